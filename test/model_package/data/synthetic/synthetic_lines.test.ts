import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { DEFAULT_TEST_FONTS, LINE_CHARACTERS, SyntheticLines, SyntheticLinesConfig } from '../../../../model_package/data/synthetic/synthetic_lines.js';
import { loadCorpusPart, normalizeText } from '../../../../model_package/data/synthetic/sentence_generator.js';
import { Tokenizer } from '../../../../model_package/core/tokenizer.js';
import { preprocessLineImage } from '../../../../model_package/preprocess/line_image.js';
import { isHtrError } from '../../../../model_package/errors.js';
import type { GrayImage, Sample } from '../../../../model_package/core/data_types.js';

const tmp = () => mkdtempSync(join(tmpdir(), 'htr-synth-'));
const small = (extra: Record<string, unknown> = {}) =>
  SyntheticLinesConfig.parse({ num_train: 14, num_val: 4, num_test: 4, num_workers: 0, processed_dir: tmp(), ...extra });

async function all(dm: SyntheticLines, split: 'train' | 'val' | 'test'): Promise<Sample[]> {
  const ds = split === 'train' ? dm['requireSplits']().train : split === 'val' ? dm['requireSplits']().val : dm['requireSplits']().test;
  return Promise.all(Array.from({ length: ds.length }, (_, i) => ds.get(i)));
}

/** A sample as the loader lays it out in a batch `width` wide: top-left, zero padded. */
function padded(img: GrayImage, width: number): Float32Array {
  const out = new Float32Array(img.height * width);
  for (let r = 0; r < img.height; r++) out.set(img.data.subarray(r * img.width, (r + 1) * img.width), r * width);
  return out;
}

describe('SyntheticLines', () => {
  it('renders font-split lines of the declared shape, with ink, labels in the vocabulary', async () => {
    const dm = new SyntheticLines(small());
    await dm.setup('fit');
    const cfg = dm.dataConfig();
    expect(cfg.inputDims).toEqual([1, 32, 1024]);
    expect(cfg.outputDims).toEqual([102]);
    const tok = new Tokenizer(cfg.mapping);
    const props = dm.properties();
    expect(props.train_size).toBe(14);
    expect(props.test_fonts).toEqual(DEFAULT_TEST_FONTS);
    for (const split of ['train', 'val', 'test'] as const) {
      const fonts = props[`${split}_fonts`] as string[];
      const lines = dm.renderedLines(split);
      for (const line of lines) expect(fonts).toContain(line.font);
      for (const [i, s] of (await all(dm, split)).entries()) {
        // Each sample at its own width: the rendered line's, at most max_width.
        expect(s.image.height).toBe(32);
        expect(s.image.width).toBe(lines[i]!.image.width);
        expect(s.image.width).toBeLessThanOrEqual(1024);
        expect(s.image.data.length).toBe(32 * s.image.width);
        expect(s.text.length).toBeGreaterThan(0);
        expect(s.text.length).toBeLessThanOrEqual(100);
        for (const ch of s.text) expect(tok.has(ch)).toBe(true);
        let max = 0;
        let min = 1;
        for (const v of s.image.data) {
          max = Math.max(max, v);
          min = Math.min(min, v);
        }
        expect(min).toBeGreaterThanOrEqual(0);
        expect(max).toBeLessThanOrEqual(1);
        expect(max).toBeGreaterThan(0.3); // ink is high
      }
    }
    const trainFonts = new Set(dm.renderedLines('train').map((l) => l.font));
    for (const l of dm.renderedLines('test')) expect(trainFonts.has(l.font)).toBe(false);
  });

  it('is deterministic from the seed, with or without worker threads', async () => {
    const a = new SyntheticLines(small({ seed: 5 }));
    const b = new SyntheticLines(small({ seed: 5, num_workers: 2 }));
    const c = new SyntheticLines(small({ seed: 6 }));
    await Promise.all([a.setup('fit'), b.setup('fit'), c.setup('fit')]);
    const [sa, sb, sc] = await Promise.all([all(a, 'train'), all(b, 'train'), all(c, 'train')]);
    expect(sb.map((s) => s.text)).toEqual(sa.map((s) => s.text));
    sa.forEach((s, i) => expect(Buffer.from(sb[i]!.image.data.buffer).equals(Buffer.from(s.image.data.buffer))).toBe(true));
    expect(sc.map((s) => s.text)).not.toEqual(sa.map((s) => s.text));
  });

  it('serves the same tensor as preprocessLineImage on the rendered scan', async () => {
    const dm = new SyntheticLines(small());
    await dm.setup('fit');
    const line = dm.renderedLines('val')[0]!;
    const png = await sharp(Buffer.from(line.image.data), { raw: { width: line.image.width, height: line.image.height, channels: 1 } }).png().toBuffer();
    const served = await preprocessLineImage(png, { height: 32, width: line.image.width });
    const sample = await dm['requireSplits']().val.get(0);
    expect(Array.from(served.data)).toEqual(Array.from(sample.image.data));
  });

  it('caches rendered splits and reuses them', async () => {
    const dir = tmp();
    const first = new SyntheticLines(small({ processed_dir: dir }));
    await first.setup('fit');
    expect(first.properties().render_seconds).toBeTypeOf('number');
    const cacheDir = first.properties().cache_dir as string;
    expect(existsSync(join(cacheDir, '_manifest.json'))).toBe(true);
    const second = new SyntheticLines(small({ processed_dir: dir }));
    await second.setup('fit');
    expect(second.properties().cache_dir).toBe(cacheDir);
    expect(second.properties().render_seconds).toBeUndefined();
    expect(second.renderedLines('train').map((l) => l.text)).toEqual(first.renderedLines('train').map((l) => l.text));
    const other = new SyntheticLines(small({ processed_dir: dir, slant: [0, 0] }));
    expect(other.key()).not.toBe(first.key());
  });

  it('yields batches through the shared loader', async () => {
    const dm = new SyntheticLines(small({ batch_size: 5 }));
    await dm.setup('fit');
    const loader = dm.trainDataloader(0);
    expect(loader.numBatches).toBe(3);
    const batches = [];
    for await (const b of loader) batches.push(b);
    const b = batches[0]!;
    expect(b.height).toBe(32);
    expect(b.width).toBeLessThanOrEqual(1024);
    expect(b.x.length).toBe(5 * 32 * b.width);
    expect(b.y[0]).toBe(1); // <S>
  });

  it('draws val/test text from held-out corpus sentences', async () => {
    const dm = new SyntheticLines(small({ mixed_text_fraction: 0, structured_text_fraction: 0, num_test: 8 }));
    await dm.setup('fit');
    const allowed = new Set([...LINE_CHARACTERS, ' ']);
    for (const split of ['val', 'test'] as const) {
      const part = normalizeText(loadCorpusPart(split), allowed);
      for (const l of dm.renderedLines(split)) expect(part.includes(l.text), l.text).toBe(true);
    }
    const train = normalizeText(loadCorpusPart('train'), allowed);
    for (const l of dm.renderedLines('train')) expect(train.includes(l.text), l.text).toBe(true);
  });

  it('augments training batches only', async () => {
    const dm = new SyntheticLines(small({ batch_size: 4 }));
    await dm.setup('fit');
    const raw = new Map((await all(dm, 'train')).map((s) => [s.id, s.image]));
    const size = (b: { height: number; width: number }) => b.height * b.width;
    let changed = 0;
    for await (const b of dm.trainDataloader(0)) {
      b.ids.forEach((id, k) => {
        const got = b.x.subarray(k * size(b), (k + 1) * size(b));
        if (!Buffer.from(got.buffer, got.byteOffset, got.byteLength).equals(Buffer.from(padded(raw.get(id)!, b.width).buffer))) changed++;
      });
    }
    expect(changed).toBeGreaterThan(7);
    const val = await all(dm, 'val');
    for await (const b of dm.valDataloader()) {
      b.ids.forEach((id, k) => expect(Array.from(b.x.subarray(k * size(b), (k + 1) * size(b)))).toEqual(Array.from(padded(val.find((s) => s.id === id)!.image, b.width))));
    }
    const off = new SyntheticLines(small({ augment: { enabled: false } }));
    expect(off.properties().augment).toBe(false);
  });

  it('keeps each line at its natural width: never squeezed, cut at a word boundary when too wide', async () => {
    const wide = new SyntheticLines(small({ min_length: 40, max_length: 90, num_train: 12 }));
    const narrow = new SyntheticLines(small({ min_length: 40, max_length: 90, num_train: 12, max_width: 300 }));
    await Promise.all([wide.setup('fit'), narrow.setup('fit')]);
    const [w, n] = [wide.renderedLines('train'), narrow.renderedLines('train')];
    let cut = 0;
    let squeezeWouldShow = 0;
    w.forEach((long, i) => {
      const short = n[i]!;
      expect(short.image.width).toBeLessThanOrEqual(300);
      if (long.image.width <= 300) {
        // A line that fits does not depend on max_width at all.
        expect(short.text).toBe(long.text);
        expect(Buffer.from(short.image.data).equals(Buffer.from(long.image.data))).toBe(true);
        return;
      }
      cut++;
      // Whole words from the start of the same text...
      expect(long.text.startsWith(short.text)).toBe(true);
      expect(long.text[short.text.length]).toBe(' ');
      // ...at about the same pixels per character (the words kept vary it a little, e.g. one
      // without descenders scales up); squeezing the long line into 300 px would divide it by long/300.
      const ratio = short.image.width / short.text.length / (long.image.width / long.text.length);
      expect(ratio, `${short.text} vs ${long.text}`).toBeGreaterThan(0.7);
      expect(ratio).toBeLessThan(1.7);
      if (long.image.width > 500) squeezeWouldShow++;
    });
    expect(cut).toBeGreaterThan(6);
    expect(squeezeWouldShow).toBeGreaterThan(3);
  });

  it('respects min_length and max_length', async () => {
    const dm = new SyntheticLines(small({ min_length: 12, max_length: 20, num_train: 20 }));
    await dm.setup('fit');
    for (const split of ['train', 'val', 'test'] as const) {
      for (const l of dm.renderedLines(split)) {
        expect(l.text.length, l.text).toBeGreaterThanOrEqual(12);
        expect(l.text.length, l.text).toBeLessThanOrEqual(20);
      }
    }
    expect(dm.dataConfig().outputDims).toEqual([22]);
    expect(() => new SyntheticLines(small({ min_length: 30, max_length: 20 }))).toThrow(/min_length/);
  });

  it('rejects unknown fonts and fonts shared between splits', () => {
    let caught: unknown;
    try {
      new SyntheticLines(small({ test_fonts: ['Caveat'] }));
    } catch (err) {
      caught = err;
    }
    expect(isHtrError(caught, 'HTR_ERR_CONFIG_INVALID')).toBe(true);
    expect(String(caught)).toMatch(/Caveat also in train_fonts/);
    expect(() => new SyntheticLines(small({ val_fonts: ['Nope Sans'] }))).toThrow(/unknown font "Nope Sans"/);
  });
});
