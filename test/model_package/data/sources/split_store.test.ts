import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { isHtrError } from '../../../../model_package/errors.js';
import { readSplitStore } from '../../../../model_package/data/sources/split_store.js';
import { readLineStore, writeLineStore } from '../../../../model_package/data/sources/line_store.js';

describe('readSplitStore', () => {
  it('returns the parsed index and the bin bytes', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'htr-split-store-'));
    writeFileSync(path.join(dir, 'train.json'), JSON.stringify({ n: 3 }));
    writeFileSync(path.join(dir, 'train.bin'), Buffer.from([7, 8, 9]));
    const got = await readSplitStore<{ n: number }>(dir, 'train');
    expect(got.index).toEqual({ n: 3 });
    expect([...got.bytes]).toEqual([7, 8, 9]);
    expect(got.binFile).toBe(path.join(dir, 'train.bin'));
  });

  it('names the index file when the bin is missing', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'htr-split-store-'));
    writeFileSync(path.join(dir, 'val.json'), '{}');
    const err: unknown = await readSplitStore(dir, 'val').catch((e: unknown) => e);
    expect(isHtrError(err, 'HTR_ERR_BAD_DATA_FILE')).toBe(true);
    expect((err as Error).message).toContain(path.join(dir, 'val.json'));
  });

  it('backs readLineStore: lines round-trip, a truncated bin is refused', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'htr-split-store-'));
    const image = { data: Uint8Array.from([1, 2, 3, 4, 5, 6]), width: 3, height: 2 };
    await writeLineStore(dir, 'test', [{ text: 'ab', image }]);
    const [line] = await readLineStore(dir, 'test');
    expect(line?.text).toBe('ab');
    expect([...(line?.image.data ?? [])]).toEqual([1, 2, 3, 4, 5, 6]);
    writeFileSync(path.join(dir, 'test.bin'), Buffer.from([1, 2]));
    await expect(readLineStore(dir, 'test')).rejects.toThrow(/HTR_ERR_BAD_DATA_FILE/);
  });
});
