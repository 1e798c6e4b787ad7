/**
 * Raw dataset files: what a dataset needs (data/raw/<dataset>/metadata.yaml) and
 * getting verified local copies of them, either from a user-supplied directory or
 * from Google Drive. Every file is checked against its sha256 before use.
 */
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import yauzl from 'yauzl';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { htrError } from '../../errors.js';
import { createDriveClient, downloadDriveFile, type DriveOptions } from './drive.js';

import type { RawFileSpec } from './raw_file_spec.js';

export type { DriveOptions } from './drive.js';
export type { RawFileSpec } from './raw_file_spec.js';

const HEX64 = /^[0-9a-f]{64}$/;
const HEX32 = /^[0-9a-f]{32}$/;

const RawFileSchema = z.strictObject({
  name: z.string().min(1).refine((n) => !n.includes('..') && !path.isAbsolute(n), 'must be a relative name'),
  drive_id: z.string().min(1).optional(),
  sha256: z.string().toLowerCase().regex(HEX64, 'must be 64 hex digits'),
  md5: z.string().toLowerCase().regex(HEX32, 'must be 32 hex digits').optional(),
  description: z.string().optional(),
});

// Other top-level keys (description, source, license) are documentation only.
const MetadataSchema = z.looseObject({ files: z.array(RawFileSchema).min(1) });

/** Reads and validates `<metadataDir>/<dataset>/metadata.yaml`. */
export async function loadRawMetadata(dataset: string, metadataDir = 'data/raw'): Promise<{ files: RawFileSpec[] }> {
  const file = path.join(metadataDir, dataset, 'metadata.yaml');
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw htrError('HTR_ERR_MISSING_FILE', { file }, err);
  }
  let raw: unknown;
  try {
    raw = parseYaml(text);
  } catch (err) {
    throw htrError('HTR_ERR_CONFIG_PARSE', { file, reason: err instanceof Error ? err.message : String(err) }, err);
  }
  const parsed = MetadataSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue ? issue.path.join('.') : '';
    throw htrError('HTR_ERR_BAD_DATA_FILE', { file, reason: `${where}: ${issue?.message ?? 'invalid'}` });
  }
  return {
    files: parsed.data.files.map((f) => ({
      name: f.name,
      sha256: f.sha256,
      ...(f.drive_id !== undefined ? { drive_id: f.drive_id } : {}),
      ...(f.md5 !== undefined ? { md5: f.md5 } : {}),
    })),
  };
}

export interface EnsureRawOptions {
  /** Directory that already holds the files: Drive is not used. */
  rawDir?: string;
  /** Where downloads go; default data/downloaded/<dataset>. */
  downloadDir?: string;
  /** Where metadata.yaml lives; default data/raw. */
  metadataDir?: string;
  drive?: DriveOptions;
}

/** Returns name -> verified local path for every file in the dataset's metadata. */
export async function ensureRawFiles(dataset: string, opts: EnsureRawOptions = {}): Promise<Map<string, string>> {
  const { files } = await loadRawMetadata(dataset, opts.metadataDir);
  const out = new Map<string, string>();
  if (opts.rawDir !== undefined) {
    for (const spec of files) {
      const local = path.join(opts.rawDir, spec.name);
      await verifyLocalFile(local, spec);
      out.set(spec.name, local);
    }
    return out;
  }
  const dir = opts.downloadDir ?? path.join('data', 'downloaded', dataset);
  await mkdir(dir, { recursive: true });
  let client: Awaited<ReturnType<typeof createDriveClient>> | undefined;
  for (const spec of files) {
    const local = path.join(dir, spec.name);
    if (await isVerified(local, spec)) {
      out.set(spec.name, local);
      continue;
    }
    if (!spec.drive_id) {
      throw htrError('HTR_ERR_MISSING_FILE', {
        file: local,
        hint: `no drive_id for ${spec.name} in data/raw/${dataset}/metadata.yaml; set it or pass data.raw_dir`,
      });
    }
    client ??= await createDriveClient(opts.drive ?? {});
    await downloadDriveFile(client, spec, local, opts.drive ?? {});
    await writeVerifiedMarker(local, spec);
    out.set(spec.name, local);
  }
  return out;
}

/** sha256 of a file, streamed. */
export async function sha256File(file: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/** Throws HTR_ERR_MISSING_FILE or HTR_ERR_CHECKSUM_MISMATCH; remembers success in a sidecar. */
export async function verifyLocalFile(file: string, spec: RawFileSpec): Promise<void> {
  try {
    await stat(file);
  } catch (err) {
    throw htrError('HTR_ERR_MISSING_FILE', { file }, err);
  }
  if (await isVerified(file, spec)) return;
  const actual = await sha256File(file);
  if (actual !== spec.sha256) {
    throw htrError('HTR_ERR_CHECKSUM_MISMATCH', { file, algorithm: 'sha256', expected: spec.sha256, actual });
  }
  await writeVerifiedMarker(file, spec).catch(() => undefined); // read-only raw dirs are fine
}

// The sidecar `.<name>.verified` records sha256, size and mtime so a multi-GB file
// is hashed once, not on every run; any change to the file invalidates it.
function markerPath(file: string): string {
  return path.join(path.dirname(file), `.${path.basename(file)}.verified`);
}

async function isVerified(file: string, spec: RawFileSpec): Promise<boolean> {
  let st;
  try {
    st = await stat(file);
  } catch {
    return false;
  }
  try {
    const m = JSON.parse(await readFile(markerPath(file), 'utf8')) as { sha256?: string; size?: number; mtimeMs?: number };
    if (m.sha256 === spec.sha256 && m.size === st.size && m.mtimeMs === st.mtimeMs) return true;
  } catch {
    // no or unreadable marker: hash below
  }
  if ((await sha256File(file)) !== spec.sha256) return false;
  await writeVerifiedMarker(file, spec).catch(() => undefined);
  return true;
}

async function writeVerifiedMarker(file: string, spec: RawFileSpec): Promise<void> {
  const st = await stat(file);
  const marker = markerPath(file);
  const tmp = `${marker}.${process.pid}.tmp`;
  await writeFile(tmp, JSON.stringify({ sha256: spec.sha256, size: st.size, mtimeMs: st.mtimeMs }));
  await rename(tmp, marker);
}

/**
 * Extracts `zipPath` into `destDir` once: into a temp sibling, then renamed, with a
 * `.complete` marker naming the zip's sha256 so a changed zip re-extracts. Entry
 * names that would escape `destDir` are refused by yauzl.
 */
export async function extractZipOnce(zipPath: string, destDir: string, zipSha256?: string): Promise<string> {
  const marker = path.join(destDir, '.complete');
  const want = zipSha256 ?? (await sha256File(zipPath));
  try {
    if ((await readFile(marker, 'utf8')).trim() === want) return destDir;
  } catch {
    // not extracted yet
  }
  await mkdir(path.dirname(destDir), { recursive: true });
  const tmp = `${destDir}.${randomBytes(4).toString('hex')}.tmp`;
  try {
    const zip = await yauzl.openPromise(zipPath, { lazyEntries: true, autoClose: false, validateEntrySizes: true });
    try {
      for await (const entry of zip.eachEntry()) {
        const out = path.join(tmp, entry.fileName);
        if (entry.fileName.endsWith('/')) {
          await mkdir(out, { recursive: true });
          continue;
        }
        await mkdir(path.dirname(out), { recursive: true });
        await pipeline(await zip.openReadStreamPromise(entry), createWriteStream(out));
      }
    } finally {
      zip.close();
    }
    await writeFile(path.join(tmp, '.complete'), want);
    await rm(destDir, { recursive: true, force: true });
    await rename(tmp, destDir);
    return destDir;
  } catch (err) {
    await rm(tmp, { recursive: true, force: true });
    throw htrError('HTR_ERR_BAD_DATA_FILE', { file: zipPath, reason: err instanceof Error ? err.message : String(err) }, err);
  }
}
