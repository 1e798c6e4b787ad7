import { afterAll, describe, expect, it } from 'vitest';
import { AugmentConfig, AugmentPool, affine, augmentImage, brightnessContrast, elastic, gaussianBlur, inkExtent, noiseFrame, widthJitter } from '../../../../model_package/data/augment/index.js';
import type { GrayImage } from '../../../../model_package/core/data_types.js';
import { Rng } from '../../../../model_package/core/rng.js';

/** A 28 x 200 canvas with ink (1) in a 20 x 100 block of vertical strokes at the left. */
function line(): GrayImage {
  const width = 200;
  const height = 28;
  const data = new Float32Array(width * height);
  for (let y = 4; y < 24; y++) for (let x = 2; x < 102; x++) if (x % 4 < 2) data[y * width + x] = 1;
  return { data, width, height };
}
const sum = (img: GrayImage): number => img.data.reduce((a, b) => a + b, 0);
const centroidX = (img: GrayImage): number => {
  let s = 0;
  let m = 0;
  img.data.forEach((v, i) => { s += v; m += v * (i % img.width); });
  return m / s;
};

describe('augmentation ops', () => {
  it('identity affine returns the same pixels', () => {
    const img = line();
    const out = affine(img, { rotationDeg: 0, shearDeg: 0, scale: 1, tx: 0, ty: 0 });
    expect(Array.from(out.data)).toEqual(Array.from(img.data));
  });

  it('translation moves ink by tx; shear slants it (top moves opposite to bottom)', () => {
    const img = line();
    const moved = affine(img, { rotationDeg: 0, shearDeg: 0, scale: 1, tx: 10, ty: 0 });
    expect(centroidX(moved) - centroidX(img)).toBeCloseTo(10, 0);
    const sheared = affine(img, { rotationDeg: 0, shearDeg: 20, scale: 1, tx: 0, ty: 0 });
    const rowCentroid = (im: GrayImage, y: number) => {
      let s = 0; let m = 0;
      for (let x = 0; x < im.width; x++) { const v = im.data[y * im.width + x] as number; s += v; m += v * x; }
      return m / s;
    };
    expect(rowCentroid(sheared, 6) - rowCentroid(sheared, 21)).toBeLessThan(-5);
  });

  it('width jitter stretches ink but never pushes it off the canvas', () => {
    const img = line();
    expect(inkExtent(widthJitter(img, 1.1)).width).toBeGreaterThan(inkExtent(img).width + 5);
    expect(inkExtent(widthJitter(img, 0.8)).width).toBeLessThan(inkExtent(img).width - 10);
    const wide = widthJitter(img, 5);
    expect(inkExtent(wide).width).toBeLessThanOrEqual(200);
    expect(sum(wide)).toBeGreaterThan(sum(img) * 1.5);
  });

  it('brightness/contrast, blur and elastic keep values in [0,1] and shape', () => {
    const img = line();
    const rng = new Rng(1);
    for (const out of [brightnessContrast(img, 0.7, 1.2), gaussianBlur(img, 0.8), elastic(img, 1.5, 8, rng)]) {
      expect(out.width).toBe(200);
      expect(out.height).toBe(28);
      expect(Math.min(...out.data)).toBeGreaterThanOrEqual(0);
      expect(Math.max(...out.data)).toBeLessThanOrEqual(1 + 1e-6);
    }
    expect(sum(brightnessContrast(img, 0.5, 1))).toBeCloseTo(sum(img) * 0.5, 0);
    // blur spreads ink into gaps between strokes but preserves total ink (away from borders)
    const blurred = gaussianBlur(img, 0.8);
    expect(blurred.data[10 * 200 + 3]).toBeLessThan(1);
    expect(blurred.data[10 * 200 + 4]).toBeGreaterThan(0);
    expect(sum(blurred)).toBeCloseTo(sum(img), -1);
  });

  it('noise framing adds margins around the ink and paper noise', () => {
    const img = line();
    const out = noiseFrame(img, { left: 0.1, right: 0.1, top: 0.15, bottom: 0.15 }, 0, new Rng(2));
    // no ink in the new top margin rows
    for (let x = 0; x < 200; x++) expect(out.data[x]).toBe(0);
    expect(inkExtent(out).width).toBeLessThan(inkExtent(img).width);
    const noisy = noiseFrame(img, { left: 0, right: 0, top: 0, bottom: 0 }, 0.05, new Rng(2));
    expect(noisy.data[27 * 200 + 150]).toBeGreaterThan(0); // background is no longer exactly paper
  });
});

describe('augmentImage pipeline', () => {
  const cfg = AugmentConfig.parse({});

  it('is deterministic per seed and differs across seeds', () => {
    const a = augmentImage(line(), cfg, 123);
    const b = augmentImage(line(), cfg, 123);
    const c = augmentImage(line(), cfg, 124);
    expect(Array.from(a.data)).toEqual(Array.from(b.data));
    expect(Array.from(a.data)).not.toEqual(Array.from(c.data));
  });

  it('enabled: false is the identity', () => {
    const img = line();
    expect(augmentImage(img, AugmentConfig.parse({ enabled: false }), 5)).toBe(img);
  });

  it('keeps most of the ink on the canvas over many seeds', () => {
    for (let s = 0; s < 20; s++) {
      const out = augmentImage(line(), cfg, s);
      expect(sum(out)).toBeGreaterThan(sum(line()) * 0.4);
      expect(out.width).toBe(200);
    }
  });
});

describe('AugmentPool', () => {
  const pool = new AugmentPool(AugmentConfig.parse({}), 2);
  afterAll(async () => pool.close());

  it('worker threads give exactly the inline result for the same RNG stream', async () => {
    const inline = new AugmentPool(AugmentConfig.parse({}), 0);
    const r1 = new Rng(9);
    const r2 = new Rng(9);
    const img = line();
    const pooled = await Promise.all(Array.from({ length: 8 }, () => pool.augment(img, r1)));
    const local = await Promise.all(Array.from({ length: 8 }, () => inline.augment(img, r2)));
    pooled.forEach((p, i) => expect(Array.from(p.data)).toEqual(Array.from((local[i] as GrayImage).data)));
    // the caller's image is untouched (copied, not transferred)
    expect(sum(img)).toBe(sum(line()));
  });
});
