/**
 * Finding NIST's EMNIST release on disk: either its `gzip.zip` (checked against
 * NIST's published md5, read in place) or the four byclass IDX files taken out
 * of it (`emnist-byclass-{train,test}-{images-idx3,labels-idx1}-ubyte[.gz]`).
 * Without `raw_dir`, gzip.zip comes through the same checksummed Google Drive
 * mechanism as IAM (data/raw/emnist/metadata.yaml).
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { htrError } from '../../errors.js';
import type { DriveOptions } from '../sources/drive.js';
import { ensureRawFiles } from '../sources/raw_data.js';
import { ZipSource } from '../sources/zip_source.js';

/** md5 NIST publishes for gzip.zip (also used by torchvision). */
export const EMNIST_GZIP_MD5 = '58c8d27c78d21e728a6bc7b3cc06412e';
export const EMNIST_ZIP_NAME = 'gzip.zip';

export const BYCLASS_FILES = {
  trainImages: 'emnist-byclass-train-images-idx3-ubyte',
  trainLabels: 'emnist-byclass-train-labels-idx1-ubyte',
  testImages: 'emnist-byclass-test-images-idx3-ubyte',
  testLabels: 'emnist-byclass-test-labels-idx1-ubyte',
} as const;
export type ByclassPart = keyof typeof BYCLASS_FILES;

export interface EmnistRawOptions {
  readonly rawDir?: string;
  readonly downloadDir: string;
  readonly metadataDir: string;
  readonly md5: string;
  readonly drive: DriveOptions;
}

/** Where the raw data is, plus a cheap fingerprint (sizes, times) for cache keys. */
export interface EmnistRawLocation {
  readonly kind: 'zip' | 'files';
  /** gzip.zip, or part -> file. */
  readonly zip?: string;
  readonly files?: Readonly<Record<ByclassPart, string>>;
  readonly fingerprint: unknown;
}

export async function locateEmnist(opts: EmnistRawOptions): Promise<EmnistRawLocation> {
  if (opts.rawDir !== undefined) {
    const files = await findLooseFiles(opts.rawDir);
    if (files) return { kind: 'files', files, fingerprint: await fingerprint(Object.values(files)) };
    const zip = path.join(opts.rawDir, EMNIST_ZIP_NAME);
    try {
      await stat(zip);
    } catch (err) {
      throw htrError('HTR_ERR_MISSING_FILE', { file: zip }, err);
    }
    return { kind: 'zip', zip, fingerprint: await fingerprint([zip]) };
  }
  await requireDriveMetadata(opts.metadataDir);
  const got = await ensureRawFiles('emnist', { downloadDir: opts.downloadDir, metadataDir: opts.metadataDir, drive: opts.drive });
  const zip = got.get(EMNIST_ZIP_NAME);
  if (!zip) throw htrError('HTR_ERR_BAD_DATA_FILE', { file: path.join(opts.metadataDir, 'emnist', 'metadata.yaml'), reason: `must list ${EMNIST_ZIP_NAME}` });
  return { kind: 'zip', zip, fingerprint: await fingerprint([zip]) };
}

/** The four byclass IDX buffers (still gzip-compressed if they were). */
export async function readEmnistParts(loc: EmnistRawLocation, md5: string): Promise<Record<ByclassPart, { data: Buffer; label: string }>> {
  const parts = Object.keys(BYCLASS_FILES) as ByclassPart[];
  const out = {} as Record<ByclassPart, { data: Buffer; label: string }>;
  if (loc.kind === 'files' && loc.files) {
    for (const p of parts) out[p] = { data: await readFile(loc.files[p]), label: loc.files[p] };
    return out;
  }
  const zipPath = loc.zip as string;
  const actual = await md5File(zipPath);
  if (actual !== md5.toLowerCase()) throw htrError('HTR_ERR_CHECKSUM_MISMATCH', { file: zipPath, algorithm: 'md5', expected: md5, actual });
  const zip = await ZipSource.open(zipPath);
  try {
    const entries = await zip.list();
    for (const p of parts) {
      const want = BYCLASS_FILES[p];
      const entry = entries.find((e) => path.posix.basename(e) === `${want}.gz`) ?? entries.find((e) => path.posix.basename(e) === want);
      if (!entry) throw htrError('HTR_ERR_BAD_DATA_FILE', { file: zipPath, reason: `no ${want}.gz inside` });
      out[p] = { data: await zip.read(entry), label: `${zipPath}:${entry}` };
    }
  } finally {
    await zip.close();
  }
  return out;
}

async function findLooseFiles(dir: string): Promise<Record<ByclassPart, string> | undefined> {
  const candidates: string[] = [];
  for (const sub of ['', 'gzip']) {
    try {
      for (const f of await readdir(path.join(dir, sub))) candidates.push(path.join(dir, sub, f));
    } catch {
      // missing sub-folder: fine
    }
  }
  const out: Partial<Record<ByclassPart, string>> = {};
  for (const [part, name] of Object.entries(BYCLASS_FILES) as [ByclassPart, string][]) {
    const hit = candidates.find((c) => path.basename(c) === `${name}.gz`) ?? candidates.find((c) => path.basename(c) === name);
    if (hit) out[part] = hit;
  }
  return Object.keys(out).length === 4 ? (out as Record<ByclassPart, string>) : undefined;
}

/** Drive needs a drive_id and sha256 the user fills in (NIST publishes only an md5). */
async function requireDriveMetadata(metadataDir: string): Promise<void> {
  const file = path.join(metadataDir, 'emnist', 'metadata.yaml');
  const hint = `pass data.raw_dir (a folder with NIST's ${EMNIST_ZIP_NAME}, checked against md5 ${EMNIST_GZIP_MD5}), or upload ${EMNIST_ZIP_NAME} to Google Drive and set its drive_id and sha256 in ${file}`;
  let doc: unknown;
  try {
    doc = parseYaml(await readFile(file, 'utf8'));
  } catch (err) {
    throw htrError('HTR_ERR_BAD_DATA_FILE', { file, reason: `cannot read it: ${hint}` }, err);
  }
  const files = (doc as { files?: { sha256?: unknown; drive_id?: unknown }[] } | null)?.files;
  const entry = Array.isArray(files) ? files[0] : undefined;
  if (!entry || typeof entry.sha256 !== 'string' || typeof entry.drive_id !== 'string') {
    throw htrError('HTR_ERR_BAD_DATA_FILE', { file, reason: `no drive_id and sha256 for ${EMNIST_ZIP_NAME}: ${hint}` });
  }
}

async function md5File(file: string): Promise<string> {
  const hash = createHash('md5');
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

async function fingerprint(files: readonly string[]): Promise<unknown> {
  return Promise.all(files.map(async (f) => {
    const s = await stat(f);
    return [path.basename(f), s.size, Math.round(s.mtimeMs)];
  }));
}
