/**
 * On-disk form of line images for the processed cache: `<split>.bin` holds
 * every 8-bit image back to back (all of one height), `<split>.json` the text,
 * string metadata (font, id, ...) and width of each. Files are written whole into the cache's temp
 * directory, so a reader never sees a half-written store.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { htrError } from '../../errors.js';
import { readSplitStore } from './split_store.js';
import type { Gray8 } from '../../core/data_types.js';

/** A stored line: its image, its text and optional string metadata. */
export interface StoredLine {
  readonly text: string;
  readonly image: Gray8;
  /** Font family of a synthetic line. */
  readonly font?: string;
  /** Source id (file, line id) of a real line. */
  readonly id?: string;
}

interface StoreIndex {
  readonly height: number;
  readonly lines: readonly ({ text: string; width: number } & Record<string, string | number>)[];
}

export async function writeLineStore(dir: string, split: string, lines: readonly StoredLine[]): Promise<void> {
  const height = lines[0]?.image.height ?? 0;
  const total = lines.reduce((n, l) => n + l.image.data.length, 0);
  const bin = new Uint8Array(total);
  let offset = 0;
  for (const l of lines) {
    if (l.image.height !== height) throw new Error(`line store ${split}: mixed heights ${height} and ${l.image.height}`);
    bin.set(l.image.data, offset);
    offset += l.image.data.length;
  }
  const index: StoreIndex = {
    height,
    lines: lines.map(({ image, ...meta }) => ({ ...meta, width: image.width })),
  };
  await writeFile(join(dir, `${split}.bin`), bin);
  await writeFile(join(dir, `${split}.json`), JSON.stringify(index));
}

/** Lines as written; `T` names the metadata the writer stored (e.g. RenderedLine's font). */
export async function readLineStore<T extends StoredLine = StoredLine>(dir: string, split: string): Promise<T[]> {
  const { index, bytes, binFile } = await readSplitStore<StoreIndex>(dir, split);
  const out: T[] = [];
  let offset = 0;
  for (const { width, ...meta } of index.lines) {
    const size = width * index.height;
    if (offset + size > bytes.length) throw htrError('HTR_ERR_BAD_DATA_FILE', { file: binFile, reason: 'shorter than its index says' });
    out.push({ ...meta, image: { data: bytes.subarray(offset, offset + size), width, height: index.height } } as unknown as T);
    offset += size;
  }
  return out;
}
