/**
 * A .zip archive as a FileSource, read in place with yauzl (central directory
 * once, then one entry stream per read), never extracted to disk. Entries whose
 * names would escape the archive root (zip-slip: "../", absolute paths, drive
 * letters) or that are symlinks are refused and reported, not read.
 */
import { stat } from 'node:fs/promises';
import yauzl from 'yauzl';
import { htrError } from '../../errors.js';
import type { FileSource } from './file_source.js';

/** Largest uncompressed entry we will inflate into memory (guards against zip bombs). */
export const MAX_ENTRY_BYTES = 256 * 1024 * 1024;

/** Why `name` is unsafe to use as a path inside the archive, or undefined if it is fine. */
export function unsafeEntryReason(name: string): string | undefined {
  const norm = name.replace(/\\/g, '/');
  if (norm.startsWith('/')) return 'absolute path';
  if (/^[a-zA-Z]:/.test(norm)) return 'drive-letter path';
  if (norm.split('/').some((seg) => seg === '..')) return 'path escapes the archive ("..")';
  if (norm.includes('\0')) return 'NUL in name';
  return undefined;
}

export class ZipSource implements FileSource {
  private readonly entries = new Map<string, yauzl.Entry>();
  private readonly refused: { path: string; reason: string }[] = [];

  private constructor(
    readonly location: string,
    private readonly zip: yauzl.ZipFile,
    private readonly size: number,
    private readonly mtimeMs: number,
  ) {}

  static async open(location: string): Promise<ZipSource> {
    const info = await stat(location).catch((err: unknown) => {
      throw htrError('HTR_ERR_MISSING_FILE', { file: location }, err);
    });
    const zip = await new Promise<yauzl.ZipFile>((resolve, reject) => {
      // decodeStrings: false so one bad name is refused on its own instead of failing the whole archive.
      yauzl.open(location, { lazyEntries: true, autoClose: false, decodeStrings: false }, (err, zf) => {
        if (err || !zf) reject(htrError('HTR_ERR_BAD_DATA_FILE', { file: location, reason: `not a readable zip archive: ${err?.message ?? 'unknown error'}` }, err));
        else resolve(zf);
      });
    });
    const source = new ZipSource(location, zip, info.size, info.mtimeMs);
    await source.readDirectory();
    return source;
  }

  private readDirectory(): Promise<void> {
    return new Promise((resolve, reject) => {
      this.zip.on('entry', (entry: yauzl.Entry) => {
        this.addEntry(entry);
        this.zip.readEntry();
      });
      this.zip.on('end', () => resolve());
      this.zip.on('error', (err: Error) => reject(htrError('HTR_ERR_BAD_DATA_FILE', { file: this.location, reason: err.message }, err)));
      this.zip.readEntry();
    });
  }

  private addEntry(entry: yauzl.Entry): void {
    const raw = entry.fileName as unknown as Buffer;
    // Bit 11 marks UTF-8 names; older tools write CP437, whose ASCII range matches latin1.
    const name = (entry.generalPurposeBitFlag & 0x800) !== 0 ? raw.toString('utf8') : raw.toString('latin1');
    if (name.endsWith('/')) return; // directory
    const unsafe = unsafeEntryReason(name);
    const mode = (entry.externalFileAttributes >>> 16) & 0o170000;
    const reason = unsafe ?? (mode === 0o120000 ? 'symbolic link' : entry.uncompressedSize > MAX_ENTRY_BYTES ? `larger than ${MAX_ENTRY_BYTES} bytes` : undefined);
    if (reason) {
      this.refused.push({ path: name, reason });
      return;
    }
    const rel = name.replace(/\\/g, '/').replace(/^(\.\/)+/, '');
    // Hidden files and macOS metadata (__MACOSX/, ._name) are not data.
    if (rel.startsWith('__MACOSX/') || rel.split('/').some((seg) => seg.startsWith('.'))) return;
    this.entries.set(rel, entry);
  }

  async list(): Promise<readonly string[]> {
    return [...this.entries.keys()].sort();
  }

  read(relPath: string): Promise<Buffer> {
    const entry = this.entries.get(relPath);
    const label = `${this.location}:${relPath}`;
    if (!entry) return Promise.reject(htrError('HTR_ERR_MISSING_FILE', { file: label }));
    return new Promise((resolve, reject) => {
      this.zip.openReadStream(entry, (err, stream) => {
        if (err || !stream) {
          reject(htrError('HTR_ERR_BAD_DATA_FILE', { file: label, reason: err?.message ?? 'cannot open entry' }, err));
          return;
        }
        const chunks: Buffer[] = [];
        stream.on('data', (c: Buffer) => chunks.push(c));
        stream.on('end', () => resolve(Buffer.concat(chunks)));
        stream.on('error', (e: Error) => reject(htrError('HTR_ERR_BAD_DATA_FILE', { file: label, reason: e.message }, e)));
      });
    });
  }

  async fingerprint(): Promise<unknown> {
    return { size: this.size, mtimeMs: Math.round(this.mtimeMs), entries: [...this.entries.values()].map((e) => e.crc32) };
  }

  rejected(): readonly { path: string; reason: string }[] {
    return this.refused;
  }

  async close(): Promise<void> {
    this.zip.close();
  }
}
