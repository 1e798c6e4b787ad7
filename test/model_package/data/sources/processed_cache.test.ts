import { mkdtemp, readdir, readFile, rm, writeFile, mkdir, appendFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { cacheKey, checkCache, withProcessedCache } from '../../../../model_package/data/sources/processed_cache.js';

let root: string;
let builds: number;
const build = async (tmp: string): Promise<void> => {
  builds++;
  await writeFile(path.join(tmp, 'index.json'), JSON.stringify({ n: 3 }));
  await mkdir(path.join(tmp, 'shards'));
  await writeFile(path.join(tmp, 'shards', 'train.bin'), Buffer.alloc(1000, 7));
};

beforeEach(async () => {
  root = await mkdtemp(path.join(tmpdir(), 'htr-cache-'));
  builds = 0;
});

describe('cacheKey', () => {
  it('is stable under key order and changes with any parameter', () => {
    const k = cacheKey({ raw: ['abc'], params: { height: 28, width: 1024 } });
    expect(cacheKey({ params: { width: 1024, height: 28 }, raw: ['abc'] })).toBe(k);
    expect(cacheKey({ raw: ['abc'], params: { height: 32, width: 1024 } })).not.toBe(k);
    expect(cacheKey({ raw: ['abd'], params: { height: 28, width: 1024 } })).not.toBe(k);
    expect(k).toMatch(/^[0-9a-f]{20}$/);
  });
});

describe('withProcessedCache', () => {
  it('builds once into data/processed/<dataset>/<key>/ and reuses it', async () => {
    const dir = await withProcessedCache('toy', 'k1', build, { root });
    expect(dir).toBe(path.join(root, 'toy', 'k1'));
    expect((await readdir(dir)).sort()).toEqual(['_manifest.json', 'index.json', 'shards']);
    expect(await withProcessedCache('toy', 'k1', build, { root })).toBe(dir);
    expect(builds).toBe(1);
    expect(await readdir(path.join(root, 'toy'))).toEqual(['k1']); // no temp dirs left
  });

  it('a different key builds a new cache', async () => {
    await withProcessedCache('toy', 'k1', build, { root });
    await withProcessedCache('toy', 'k2', build, { root });
    expect(builds).toBe(2);
  });

  it('a half-written cache (no manifest) is rebuilt', async () => {
    const dir = path.join(root, 'toy', 'k1');
    await mkdir(dir, { recursive: true });
    await writeFile(path.join(dir, 'index.json'), '{"n":');
    expect(await checkCache(dir)).toMatch(/half-written/);
    await withProcessedCache('toy', 'k1', build, { root });
    expect(builds).toBe(1);
    expect(JSON.parse(await readFile(path.join(dir, 'index.json'), 'utf8'))).toEqual({ n: 3 });
  });

  it('a truncated, edited or missing file is detected and rebuilt', async () => {
    const dir = await withProcessedCache('toy', 'k1', build, { root });
    await writeFile(path.join(dir, 'shards', 'train.bin'), Buffer.alloc(999, 7));
    expect(await checkCache(dir)).toMatch(/size of shards\/train\.bin/);
    await withProcessedCache('toy', 'k1', build, { root });
    expect(builds).toBe(2);
    await writeFile(path.join(dir, 'shards', 'train.bin'), Buffer.alloc(1000, 8));
    expect(await checkCache(dir, 'size')).toBeNull();
    expect(await checkCache(dir)).toMatch(/checksum/);
    await rm(path.join(dir, 'index.json'));
    expect(await checkCache(dir)).toMatch(/missing index\.json/);
    await withProcessedCache('toy', 'k1', build, { root });
    expect(builds).toBe(3);
    expect(await checkCache(dir)).toBeNull();
    await appendFile(path.join(dir, '_manifest.json'), 'garbage');
    expect(await checkCache(dir)).toMatch(/unreadable/);
  });

  it('a failing build leaves no directory behind', async () => {
    await expect(withProcessedCache('toy', 'k1', async (tmp) => {
      await writeFile(path.join(tmp, 'x'), 'partial');
      throw new Error('boom');
    }, { root })).rejects.toThrow('boom');
    expect(await readdir(path.join(root, 'toy'))).toEqual([]);
  });
});
