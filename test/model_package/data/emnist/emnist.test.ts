import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { balance, EMNIST, EMNISTConfig, type CharSet } from '../../../../model_package/data/emnist/emnist.js';
import { parseIdx } from '../../../../model_package/data/emnist/idx.js';
import { Tokenizer } from '../../../../model_package/core/tokenizer.js';
import { isHtrError } from '../../../../model_package/errors.js';
import { Rng } from '../../../../model_package/core/rng.js';
import { put, tempDir } from '../own/own_fixtures.js';
import { fakeGzipZip, fakeLooseFiles, fakeSplit, idxBytes, uniform } from './emnist_fixtures.js';

const cfg = (extra: Record<string, unknown>) => EMNISTConfig.parse({ processed_dir: tempDir('htr-emnist-cache-'), ...extra });

async function caught(p: Promise<unknown>): Promise<unknown> {
  try {
    await p;
  } catch (err) {
    return err;
  }
  return undefined;
}

describe('IDX', () => {
  it('parses uint8 and big-endian int32/float32 arrays, gzipped or not', () => {
    const u8 = parseIdx(idxBytes(0x08, [2, 3], Buffer.from([1, 2, 3, 4, 5, 6])), 'a');
    expect(u8.type).toBe('uint8');
    expect(u8.shape).toEqual([2, 3]);
    expect(Array.from(u8.data)).toEqual([1, 2, 3, 4, 5, 6]);
    const body = Buffer.alloc(8);
    body.writeInt32BE(-5, 0);
    body.writeInt32BE(70000, 4);
    expect(Array.from(parseIdx(gzipSync(idxBytes(0x0c, [2], body)), 'b').data)).toEqual([-5, 70000]);
    const f = Buffer.alloc(4);
    f.writeFloatBE(1.5, 0);
    expect(Array.from(parseIdx(idxBytes(0x0d, [1], f), 'c').data)).toEqual([1.5]);
  });

  it('rejects truncated, oversized and non-IDX files naming the file', () => {
    for (const [buf, reason] of [
      [idxBytes(0x08, [2, 3], Buffer.from([1, 2, 3])), /needs 18 bytes, file has 15/],
      [idxBytes(0x08, [1], Buffer.from([1, 2])), /needs 9 bytes/],
      [Buffer.from('PK\u0003\u0004'), /not an IDX file/],
      [Buffer.from([0, 0, 0x42, 1, 0, 0, 0, 1, 7]), /unknown IDX type/],
      [Buffer.from([0x1f, 0x8b, 1, 2, 3]), /corrupt gzip/],
    ] as const) {
      let err: unknown;
      try {
        parseIdx(buf, 'emnist.idx');
      } catch (e) {
        err = e;
      }
      expect(isHtrError(err, 'HTR_ERR_BAD_DATA_FILE')).toBe(true);
      expect(String(err)).toMatch(reason);
      expect(String(err)).toContain('emnist.idx');
    }
  });
});

describe('EMNIST', () => {
  it('reads byclass from gzip.zip (md5-checked), upright, labels shifted past the special tokens, 80/20 split', async () => {
    const { dir, md5 } = fakeGzipZip();
    const dm = new EMNIST(cfg({ raw_dir: dir, gzip_md5: md5 }));
    await dm.setup('fit');
    const p = dm.properties();
    expect(p.train_size).toBe(248);
    expect(p.val_size).toBe(62);
    expect(p.test_size).toBe(124);
    const dc = dm.dataConfig();
    expect(dc.inputDims).toEqual([1, 28, 28]);
    const tok = new Tokenizer(dc.mapping);
    expect(Array.from(tok.encode('0', 3))).toEqual([1, 4, 2]);
    expect(Array.from(tok.encode('a', 3))).toEqual([1, 4 + 36, 2]);
    const train = dm['requireSplits']().train;
    for (let i = 0; i < 20; i++) {
      const s = await train.get(i);
      const k = tok.encode(s.text, 3)[1]! - 4;
      // Upright: the class bar is a row, not a column.
      const row = s.image.data.subarray((k % 28) * 28, (k % 28) * 28 + 28);
      expect(Math.min(...row)).toBeGreaterThan(0.7);
    }
  });

  it('reads loose byclass IDX files and matches the zip', async () => {
    const { dir, md5 } = fakeGzipZip();
    const a = new EMNIST(cfg({ raw_dir: dir, gzip_md5: md5 }));
    const b = new EMNIST(cfg({ raw_dir: fakeLooseFiles() }));
    await Promise.all([a.setup('fit'), b.setup('fit')]);
    const ta = a['requireSplits']().test;
    const tb = b['requireSplits']().test;
    for (const i of [0, 50, 123]) {
      const [x, y] = [await ta.get(i), await tb.get(i)];
      expect(y.text).toBe(x.text);
      expect(Array.from(y.image.data)).toEqual(Array.from(x.image.data));
    }
  });

  it('balances classes with a seed', () => {
    const counts = uniform(1).map((_, k) => (k < 10 ? 20 : 2));
    const raw = fakeSplit(counts);
    const set: CharSet = { images: new Uint8Array(raw.images.subarray(16)), labels: new Uint8Array(raw.labels.subarray(8)), count: raw.count };
    const a = balance(set, new Rng(1));
    const per = new Map<number, number>();
    a.labels.forEach((l) => per.set(l, (per.get(l) ?? 0) + 1));
    expect(new Set(per.values())).toEqual(new Set([Math.round(raw.count / 62)]));
    expect(per.size).toBe(62);
    expect(Array.from(balance(set, new Rng(1)).labels)).toEqual(Array.from(a.labels));
  });

  it('fails on a wrong md5, bad IDX inside the zip, and a missing release', async () => {
    const { dir } = fakeGzipZip();
    const wrong = await caught(new EMNIST(cfg({ raw_dir: dir })).prepareData());
    expect(isHtrError(wrong, 'HTR_ERR_CHECKSUM_MISMATCH')).toBe(true);
    expect(String(wrong)).toContain('58c8d27c78d21e728a6bc7b3cc06412e');

    const loose = fakeLooseFiles();
    put(loose, 'gzip/emnist-byclass-test-labels-idx1-ubyte', idxBytes(0x08, [3], Buffer.from([1, 2, 99])));
    const bad = await caught(new EMNIST(cfg({ raw_dir: loose })).prepareData());
    expect(isHtrError(bad, 'HTR_ERR_BAD_DATA_FILE')).toBe(true);

    const missing = await caught(new EMNIST(cfg({ raw_dir: tempDir() })).prepareData());
    expect(isHtrError(missing, 'HTR_ERR_MISSING_FILE')).toBe(true);
    expect(String(missing)).toContain('gzip.zip');

    // No raw_dir and no Drive id/sha256 in the shipped metadata: say how to provide it.
    const drive = await caught(new EMNIST(cfg({})).prepareData());
    expect(isHtrError(drive, 'HTR_ERR_BAD_DATA_FILE')).toBe(true);
    expect(String(drive)).toMatch(/raw_dir.*drive_id and sha256/);
  });
});
