/**
 * Where your own data (data.path) lives: a directory or a .zip archive, seen the same
 * way (relative POSIX paths, read into memory on demand) so every format reader
 * works on both. The zip is read in place (see zip_source.ts), never extracted.
 */
import { readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { htrError } from '../../errors.js';

export interface FileSource {
  /** Where the data comes from, for messages and cache keys. */
  readonly location: string;
  /** Every file, as relative POSIX paths without leading "./", sorted. */
  list(): Promise<readonly string[]>;
  read(relPath: string): Promise<Buffer>;
  /** Cheap identity of the content (sizes and times) for the processed-cache key. */
  fingerprint(): Promise<unknown>;
  /** Entries refused while listing (unsafe paths in archives), with the reason. */
  rejected(): readonly { path: string; reason: string }[];
  close(): Promise<void>;
}

export class DirectorySource implements FileSource {
  private files: string[] | undefined;

  constructor(readonly location: string) {}

  async list(): Promise<readonly string[]> {
    if (this.files) return this.files;
    const out: string[] = [];
    const walk = async (rel: string): Promise<void> => {
      const entries = await readdir(path.join(this.location, rel), { withFileTypes: true });
      for (const e of entries) {
        if (e.name.startsWith('.')) continue; // hidden files, editor and OS droppings
        const child = rel ? `${rel}/${e.name}` : e.name;
        if (e.isDirectory()) await walk(child);
        else if (e.isFile()) out.push(child);
      }
    };
    await walk('');
    this.files = out.sort();
    return this.files;
  }

  async read(relPath: string): Promise<Buffer> {
    const file = path.join(this.location, relPath);
    try {
      return await readFile(file);
    } catch (err) {
      throw htrError('HTR_ERR_MISSING_FILE', { file }, err);
    }
  }

  async fingerprint(): Promise<unknown> {
    const files = await this.list();
    return Promise.all(
      files.map(async (f) => {
        const s = await stat(path.join(this.location, f));
        return [f, s.size, Math.round(s.mtimeMs)];
      }),
    );
  }

  rejected(): readonly { path: string; reason: string }[] {
    return [];
  }

  async close(): Promise<void> {}
}
