import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { elasticWarp, inkClusters, inkTexture, rotateWords } from '../../../../model_package/data/synthetic/render/distort_ops.js';
import { lineMarkup } from '../../../../model_package/data/synthetic/render/font_text.js';
import { HandwritingStyleShape, renderHandwriting, sampleStyle } from '../../../../model_package/data/synthetic/render/handwriting_style.js';
import type { InkMap } from '../../../../model_package/data/synthetic/render/ink_ops.js';
import { addNoise, jpegRoundTrip, resampleGray, shadePaper } from '../../../../model_package/data/synthetic/render/scan_ops.js';
import { discoverFonts } from '../../../../model_package/data/synthetic/fonts.js';
import { Rng } from '../../../../model_package/core/rng.js';

const ranges = z.object(HandwritingStyleShape).parse({});
const sum = (a: ArrayLike<number>) => Array.from(a).reduce((s, v) => s + v, 0);

/** Ink boxes `w` wide and 10 high on a 30-high map, starting at the given columns. */
function boxes(width: number, starts: number[], w: number): InkMap {
  const data = new Float32Array(width * 30);
  for (const x0 of starts) for (let y = 10; y < 20; y++) for (let x = x0; x < x0 + w; x++) data[y * width + x] = 1;
  return { data, width, height: 30 };
}

function rowsWithInk(img: InkMap, x0: number, x1: number): number {
  let rows = 0;
  for (let y = 0; y < img.height; y++) {
    let any = false;
    for (let x = x0; x <= x1; x++) if ((img.data[y * img.width + x] as number) > 0.3) any = true;
    if (any) rows++;
  }
  return rows;
}

describe('handwriting distortions', () => {
  it('finds words as ink clusters: gaps narrower than minGap join, wider ones split', () => {
    expect(inkClusters(boxes(120, [5, 18, 60], 10), 5)).toEqual([{ x0: 5, x1: 27 }, { x0: 60, x1: 69 }]);
    expect(inkClusters(boxes(120, [5, 18, 60], 10), 2)).toHaveLength(3);
  });

  it('tilts each word on its own and keeps its ink', () => {
    const img = boxes(200, [10, 120], 60);
    expect(rotateWords(img, 0, 5, new Rng(1))).toBe(img);
    const out = rotateWords(img, 8, 5, new Rng(1));
    // A flat 10-row bar 60 px long spans more rows once tilted by up to 8 degrees.
    const spans = [rowsWithInk(out, 0, 100), rowsWithInk(out, 110, out.width - 1)];
    expect(Math.max(...spans)).toBeGreaterThan(12);
    expect(sum(out.data) / sum(img.data)).toBeCloseTo(1, 1);
    expect(Array.from(rotateWords(img, 8, 5, new Rng(1)).data)).toEqual(Array.from(out.data));
  });

  it('warps elastically by about the amplitude, keeping the ink, deterministic per seed', () => {
    const img = boxes(100, [20], 50);
    expect(elasticWarp(img, 0, 10, new Rng(2))).toBe(img);
    const out = elasticWarp(img, 3, 10, new Rng(2));
    expect(Array.from(out.data)).not.toEqual(Array.from(img.data));
    expect(sum(out.data) / sum(img.data)).toBeGreaterThan(0.85);
    expect(sum(out.data) / sum(img.data)).toBeLessThan(1.15);
    expect(rowsWithInk(out, 0, 99)).toBeLessThanOrEqual(10 + 2 * 3 + 2);
    expect(Array.from(elasticWarp(img, 3, 10, new Rng(2)).data)).toEqual(Array.from(out.data));
  });

  it('fades ink by at most the texture strength and leaves paper alone', () => {
    const img = boxes(100, [20], 50);
    const out = inkTexture(img, 0.3, 8, new Rng(3));
    for (let i = 0; i < img.data.length; i++) {
      if (img.data[i] === 0) expect(out.data[i]).toBe(0);
      else {
        expect(out.data[i]).toBeGreaterThanOrEqual(0.7 - 1e-6);
        expect(out.data[i]).toBeLessThanOrEqual(1);
      }
    }
    expect(new Set(Array.from(out.data)).size).toBeGreaterThan(100);
  });
});

describe('scan degradations', () => {
  const gray = (w: number, h: number, f: (x: number, y: number) => number) => {
    const data = new Uint8Array(w * h);
    for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) data[y * w + x] = f(x, y);
    return { data, width: w, height: h };
  };

  it('resamples keeping the mean, identity at the same size', () => {
    const img = gray(90, 45, (x, y) => ((x + y) % 7) * 30);
    expect(resampleGray(img, 90, 45)).toBe(img);
    const small = resampleGray(img, 64, 32);
    expect([small.width, small.height, small.data.length]).toEqual([64, 32, 64 * 32]);
    expect(sum(small.data) / small.data.length).toBeCloseTo(sum(img.data) / img.data.length, 0);
    const flat = resampleGray(gray(50, 20, () => 200), 120, 32);
    expect(new Set(flat.data)).toEqual(new Set([200]));
  });

  it('adds noise of the asked std-dev and shading around the paper tone', () => {
    const paper = gray(400, 32, () => 200);
    const noisy = addNoise(paper, 0.04, new Rng(4));
    const mean = sum(noisy.data) / noisy.data.length;
    const std = Math.sqrt(sum(Array.from(noisy.data, (v) => (v - mean) ** 2)) / noisy.data.length);
    expect(mean).toBeCloseTo(200, 0);
    expect(std).toBeGreaterThan(0.04 * 255 * 0.85);
    expect(std).toBeLessThan(0.04 * 255 * 1.15);
    const shaded = shadePaper(paper, 0.08, new Rng(5));
    expect(Math.min(...shaded.data)).toBeGreaterThanOrEqual(Math.floor(200 * (1 - 0.08 * 1.5)));
    expect(Math.max(...shaded.data)).toBeLessThanOrEqual(Math.ceil(200 * (1 + 0.08 * 1.5)));
    expect(new Set(shaded.data).size).toBeGreaterThan(5);
  });

  it('JPEG round trip keeps the size and loses more at lower quality', async () => {
    const img = gray(160, 32, (x, y) => ((x >> 2) + (y >> 2)) % 2 ? 230 : 40);
    const err = async (q: number) => {
      const out = await jpegRoundTrip(img, q);
      expect([out.width, out.height]).toEqual([160, 32]);
      return sum(Array.from(out.data, (v, i) => Math.abs(v - (img.data[i] as number))));
    };
    const [low, high] = [await err(20), await err(95)];
    expect(low).toBeGreaterThan(high);
    expect(low).toBeGreaterThan(0);
  });
});

describe('handwriting style', () => {
  it('draws per-glyph offsets for every letter, and markup puts each glyph in its own span', () => {
    const style = sampleStyle(new Rng(6), { ...ranges, glyph_jitter: [0.03, 0.03] }, ['Hello', 'you']);
    expect(style.words.map((w) => w.glyphs?.length)).toEqual([5, 3]);
    const markup = lineMarkup('Hello you', (i) => style.words[i]!);
    expect(markup.match(/<span /g)).toHaveLength(8);
    const plain = sampleStyle(new Rng(6), { ...ranges, glyph_jitter: [0, 0] }, ['Hello', 'you']);
    expect(lineMarkup('Hello you', (i) => plain.words[i]!).match(/<span /g)).toHaveLength(2);
  });

  it('renders the same pixels for the same seed, other pixels for another', async () => {
    const face = discoverFonts().find((f) => f.family === 'Caveat')!;
    const render = (seed: number) => renderHandwriting('Mr. Smith paid 12.50', face, sampleStyle(new Rng(seed), ranges, ['Mr.', 'Smith', 'paid', '12.50']), new Rng(seed + 1));
    const [a, b, c] = await Promise.all([render(7), render(7), render(8)]);
    expect(Buffer.from(a.data).equals(Buffer.from(b.data))).toBe(true);
    expect(a.width === c.width && Buffer.from(a.data).equals(Buffer.from(c.data))).toBe(false);
  });
});
