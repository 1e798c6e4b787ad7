import { describe, expect, it } from 'vitest';
import { BITMAP_FONT_CHARACTERS, BitmapLines, BitmapLinesConfig } from '../../../../model_package/data/synthetic/bitmap_lines.js';
import { getDataEntry } from '../../../../model_package/data/registry.js';
import { Tokenizer } from '../../../../model_package/core/tokenizer.js';
import { isHtrError } from '../../../../model_package/errors.js';
import type { Batch, DataLoader } from '../../../../model_package/core/data_types.js';

async function firstBatch(loader: DataLoader): Promise<Batch> {
  for await (const b of loader) return b;
  throw new Error('empty loader');
}

function make(overrides: Partial<BitmapLinesConfig> = {}): BitmapLines {
  return new BitmapLines(BitmapLinesConfig.parse(overrides));
}

describe('BitmapLines', () => {
  it('is registered and reports its dims and vocabulary', async () => {
    const dm = getDataEntry('BitmapLines').create({ alphabet: '0123456789', width: 100, max_length: 8 });
    await dm.prepareData();
    await dm.setup('fit');
    const dc = dm.dataConfig();
    expect(dc.inputDims).toEqual([1, 28, 100]);
    expect(dc.outputDims).toEqual([10]);
    expect(dc.mapping).toEqual(['<B>', '<S>', '<E>', '<P>', ...'0123456789']);
    expect(dm.properties()).toMatchObject({ train_size: 256, val_size: 32, test_size: 32 });
  });

  it('draws the same samples on every call and differs between splits and seeds', () => {
    const a = make();
    const b = make();
    const s1 = a.sample('train', 7);
    const s2 = b.sample('train', 7);
    expect(s2.text).toBe(s1.text);
    expect(Array.from(s2.image.data)).toEqual(Array.from(s1.image.data));
    const texts = (dm: BitmapLines, split: 'train' | 'val') => Array.from({ length: 20 }, (_, i) => dm.sample(split, i).text);
    expect(texts(a, 'val')).not.toEqual(texts(a, 'train'));
    expect(texts(make({ seed: 1 }), 'train')).not.toEqual(texts(a, 'train'));
  });

  it('keeps text within the alphabet and length bounds, words separated by single spaces', () => {
    const dm = make({ min_length: 3, max_length: 12, width: 200 });
    for (let i = 0; i < 200; i++) {
      const { text } = dm.sample('train', i);
      expect(text.length).toBeGreaterThanOrEqual(3);
      expect(text.length).toBeLessThanOrEqual(12);
      expect(text).toMatch(/^[0-9a-z]+( [0-9a-z]+)*$/);
    }
  });

  it('renders ink-high images in [0, 1] whose ink grows with the text and stays inside the canvas', () => {
    const dm = make({ width: 160, max_length: 12, min_length: 1 });
    for (let i = 0; i < 50; i++) {
      const { image, text } = dm.sample('train', i);
      expect(image.height).toBe(28);
      expect(image.width).toBe(160);
      let ink = 0;
      let max = 0;
      let min = 1;
      for (const v of image.data) {
        if (v > 0) ink++;
        max = Math.max(max, v);
        min = Math.min(min, v);
      }
      expect(min).toBe(0);
      expect(max).toBeLessThanOrEqual(1);
      // Every non-space glyph has at least 2 lit cells of at least scale^2 = 4 pixels.
      const glyphs = text.replace(/ /g, '').length;
      expect(ink).toBeGreaterThanOrEqual(glyphs * 8);
      expect(max).toBeGreaterThan(0.5);
      // The last column is left blank: nothing was clipped at the right edge.
      for (let r = 0; r < 28; r++) expect(image.data[r * 160 + 159]).toBe(0);
    }
  });

  it('has one distinct glyph per character', () => {
    const dm = make({ alphabet: BITMAP_FONT_CHARACTERS.join(''), min_length: 1, max_length: 1, min_scale: 1, max_scale: 1, width: 16 });
    const seen = new Map<string, string>();
    for (let i = 0; i < 3000 && seen.size < BITMAP_FONT_CHARACTERS.length - 1; i++) {
      const { image, text } = dm.sample('train', i);
      // Binarize and crop to the ink's bounding box so position and strength do not matter.
      const on = Array.from(image.data, (v) => (v > 0 ? 1 : 0));
      const rows = [...Array(image.height).keys()].filter((r) => on.slice(r * 16, r * 16 + 16).some(Boolean));
      const cols = [...Array(16).keys()].filter((c) => rows.some((r) => on[r * 16 + c]));
      if (rows.length === 0) continue;
      const key = rows.map((r) => cols.map((c) => on[r * 16 + c]).join('')).join('/');
      const other = [...seen.entries()].find(([ch, k]) => k === key && ch !== text);
      expect(other, `${text} looks like ${other?.[0]}`).toBeUndefined();
      seen.set(text, key);
    }
    expect(seen.size).toBe(BITMAP_FONT_CHARACTERS.length - 1); // all but space
  });

  it('collates batches whose labels decode back to the texts', async () => {
    const dm = make({ batch_size: 8 });
    await dm.setup('fit');
    const batch = await firstBatch(dm.valDataloader());
    expect(batch.batchSize).toBe(8);
    expect(batch.x.length).toBe(8 * 28 * 128);
    const tok = new Tokenizer(dm.dataConfig().mapping);
    batch.texts.forEach((t, i) => {
      expect(tok.decode(batch.y.subarray(i * batch.seqLength + 1, (i + 1) * batch.seqLength))).toBe(t);
    });
    // Seeded epoch shuffles: same epoch same order, another epoch another order.
    const ids = async (epoch: number) => (await firstBatch(dm.trainDataloader(epoch))).ids;
    expect(await ids(0)).toEqual(await ids(0));
    expect(await ids(1)).not.toEqual(await ids(0));
  });

  it('rejects configs it cannot draw, naming the key', () => {
    const expectInvalid = (o: Partial<BitmapLinesConfig>, key: string) => {
      try {
        make(o);
        expect.unreachable();
      } catch (err) {
        expect(isHtrError(err, 'HTR_ERR_CONFIG_INVALID')).toBe(true);
        expect((err as Error).message).toContain(key);
      }
    };
    expectInvalid({ alphabet: 'abc~' }, 'data.alphabet');
    expectInvalid({ alphabet: ' ' }, 'data.alphabet');
    expectInvalid({ width: 64, max_length: 20 }, 'data.width');
    expectInvalid({ min_length: 5, max_length: 3 }, 'data.min_length');
    expectInvalid({ height: 10, min_scale: 2 }, 'data.height');
  });
});
