/**
 * Processed-data cache: `data/processed/<dataset>/<key>/`, where the key hashes the
 * raw files' checksums and every processing parameter. A cache directory is built
 * in a temp directory, sealed with a manifest (size + sha256 of every file), and
 * renamed into place; a directory whose manifest is missing or does not match its
 * files (half-written, truncated, edited) is thrown away and rebuilt.
 */
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';

export const MANIFEST_NAME = '_manifest.json';
const MANIFEST_VERSION = 1;

export interface CacheManifest {
  version: number;
  dataset: string;
  key: string;
  created: string;
  files: Record<string, { size: number; sha256: string }>;
}

export interface CacheOptions {
  /** Root of all caches; default data/processed. */
  root?: string;
  /** 'sha256' (default) re-hashes every file on load; 'size' only checks sizes (fast, catches truncation). */
  verify?: 'sha256' | 'size';
  log?: (message: string) => void;
}

/** Stable JSON (sorted keys) so `{a,b}` and `{b,a}` hash the same. */
export function stableStringify(value: unknown): string {
  if (value === undefined) return 'null';
  if (value === null || typeof value !== 'object') {
    if (typeof value === 'number' && !Number.isFinite(value)) return JSON.stringify(String(value));
    if (typeof value === 'bigint') return JSON.stringify(value.toString());
    return JSON.stringify(value);
  }
  if (Array.isArray(value)) return `[${value.map(stableStringify).join(',')}]`;
  if (value instanceof Map) return stableStringify(Object.fromEntries([...value.entries()].map(([k, v]) => [String(k), v])));
  const obj = value as Record<string, unknown>;
  const keys = Object.keys(obj).filter((k) => obj[k] !== undefined).sort();
  return `{${keys.map((k) => `${JSON.stringify(k)}:${stableStringify(obj[k])}`).join(',')}}`;
}

/** 20 hex digits of sha256 over the stable JSON of `parts` (raw checksums + parameters). */
export function cacheKey(parts: unknown): string {
  return createHash('sha256').update(stableStringify(parts)).digest('hex').slice(0, 20);
}

/**
 * Returns the ready cache directory for (dataset, key), building it with `build`
 * (which writes into the temp directory it is given) if it is absent or invalid.
 */
export async function withProcessedCache(
  dataset: string,
  key: string,
  build: (tmpDir: string) => Promise<void>,
  opts: CacheOptions = {},
): Promise<string> {
  if (!/^[\w.-]+$/.test(key)) throw new Error(`cache key must be a plain name, got ${JSON.stringify(key)}`);
  const root = opts.root ?? path.join('data', 'processed');
  const parent = path.join(root, dataset);
  const dir = path.join(parent, key);
  const verify = opts.verify ?? 'sha256';
  const problem = await checkCache(dir, verify);
  if (problem === null) return dir;
  if (problem !== 'absent') {
    opts.log?.(`Processed cache ${dir} is invalid (${problem}); rebuilding`);
  }
  await mkdir(parent, { recursive: true });
  const tmp = path.join(parent, `.${key}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  await mkdir(tmp);
  try {
    await build(tmp);
    const manifest: CacheManifest = {
      version: MANIFEST_VERSION,
      dataset,
      key,
      created: new Date().toISOString(),
      files: await describeFiles(tmp),
    };
    // The manifest is written last: its presence means every file above is complete.
    await writeFile(path.join(tmp, MANIFEST_NAME), JSON.stringify(manifest, null, 1));
    if (problem !== 'absent') await discard(dir);
    try {
      await rename(tmp, dir);
    } catch (err) {
      // Another process sealed the same key first: use theirs if it is valid.
      if ((await checkCache(dir, verify)) === null) {
        await rm(tmp, { recursive: true, force: true });
        return dir;
      }
      throw err;
    }
    return dir;
  } catch (err) {
    await rm(tmp, { recursive: true, force: true });
    throw err;
  }
}

/** null if `dir` is a complete, intact cache; otherwise why not ('absent' if missing). */
export async function checkCache(dir: string, verify: 'sha256' | 'size' = 'sha256'): Promise<string | null> {
  let manifest: CacheManifest;
  try {
    manifest = JSON.parse(await readFile(path.join(dir, MANIFEST_NAME), 'utf8')) as CacheManifest;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') {
      try {
        await stat(dir);
        return 'no manifest (half-written)';
      } catch {
        return 'absent';
      }
    }
    return 'unreadable manifest';
  }
  if (manifest.version !== MANIFEST_VERSION || typeof manifest.files !== 'object' || manifest.files === null) {
    return 'manifest version mismatch';
  }
  for (const [rel, want] of Object.entries(manifest.files)) {
    const file = path.join(dir, rel);
    let size: number;
    try {
      size = (await stat(file)).size;
    } catch {
      return `missing ${rel}`;
    }
    if (size !== want.size) return `size of ${rel} is ${size}, expected ${want.size}`;
    if (verify === 'sha256' && (await hashFile(file)) !== want.sha256) return `checksum of ${rel} differs`;
  }
  return null;
}

/** The manifest of a ready cache directory. */
export async function readCacheManifest(dir: string): Promise<CacheManifest> {
  return JSON.parse(await readFile(path.join(dir, MANIFEST_NAME), 'utf8')) as CacheManifest;
}

async function describeFiles(dir: string): Promise<CacheManifest['files']> {
  const out: CacheManifest['files'] = {};
  const walk = async (sub: string): Promise<void> => {
    const entries = await readdir(path.join(dir, sub), { withFileTypes: true });
    entries.sort((a, b) => a.name.localeCompare(b.name));
    for (const e of entries) {
      const rel = sub ? `${sub}/${e.name}` : e.name;
      if (e.isDirectory()) await walk(rel);
      else if (e.isFile() && rel !== MANIFEST_NAME) {
        const file = path.join(dir, rel);
        out[rel] = { size: (await stat(file)).size, sha256: await hashFile(file) };
      }
    }
  };
  await walk('');
  return out;
}

async function hashFile(file: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

async function discard(dir: string): Promise<void> {
  const trash = `${dir}.${randomBytes(4).toString('hex')}.trash`;
  try {
    await rename(dir, trash);
  } catch {
    return;
  }
  await rm(trash, { recursive: true, force: true });
}
