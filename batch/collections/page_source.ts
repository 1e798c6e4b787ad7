/**
 * Pages of a collection: the inputs `run_experiment predict` accepts (a folder, a
 * glob, a .zip, a manifest, one image), each with its content hash. A page is
 * named by a path any worker can open again: a file, or `archive.zip:inner/path`.
 */
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { openSource } from '../../model_package/data/sources/open_source.js';
import { htrError } from '../../model_package/errors.js';

export interface SourcePage {
  readonly file: string;
  readonly pageHash: string;
}

export function sha256(bytes: Buffer): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** Every page of `input`, sorted by file, hashed (reads each page once). */
export async function listPages(input: string): Promise<SourcePage[]> {
  // predict_cli pulls in the model code; workers, which only read pages, do not need it.
  const { listInputs } = await import('../predict_cli.js');
  const set = await listInputs(input);
  try {
    const pages: SourcePage[] = [];
    for (const item of set.items) pages.push({ file: item.file, pageHash: sha256(await item.read()) });
    return pages;
  } finally {
    await set.close();
  }
}

/** Reads a page named by `listPages` (a worker may run on another machine with the same mounts). */
export async function readPage(file: string): Promise<Buffer> {
  if (existsSync(file)) return readFile(file);
  const zip = /^(.*\.zip):(.+)$/i.exec(file);
  if (!zip) throw htrError('HTR_ERR_MISSING_FILE', { file });
  const source = await openSource(zip[1] as string);
  try {
    return await source.read(zip[2] as string);
  } finally {
    await source.close();
  }
}
