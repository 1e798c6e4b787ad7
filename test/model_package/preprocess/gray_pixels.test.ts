import { describe, expect, it } from 'vitest';
import { naturalWidth, pixelsToGray, resizeBilinear } from '../../../model_package/preprocess/gray_pixels.js';

const gray = (width: number, height: number, f: (x: number, y: number) => number) => {
  const data = new Uint8Array(width * height);
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) data[y * width + x] = f(x, y);
  return { data, width, height };
};

describe('pixelsToGray', () => {
  it('passes gray through, weights RGB by Rec. 601 luma and puts transparency on white', () => {
    expect(Array.from(pixelsToGray([0, 77, 255], 3, 1, 1).data)).toEqual([0, 77, 255]);
    // Equal channels stay exactly that value.
    expect(Array.from(pixelsToGray([90, 90, 90, 255, 7, 7, 7, 255], 2, 1, 4).data)).toEqual([90, 7]);
    // Pure red, green, blue.
    expect(Array.from(pixelsToGray([255, 0, 0, 0, 255, 0, 0, 0, 255], 3, 1, 3).data)).toEqual([76, 150, 29]);
    // Black ink: opaque, half transparent, fully transparent (gray+alpha input).
    expect(Array.from(pixelsToGray([0, 255, 0, 128, 0, 0], 3, 1, 2).data)).toEqual([0, 127, 255]);
  });
});

describe('resizeBilinear', () => {
  it('returns the same image at the same size and keeps a flat image flat at any scale', () => {
    const img = gray(7, 5, (x, y) => (x * 31 + y * 17) % 256);
    expect(resizeBilinear(img, 7, 5)).toBe(img);
    const flat = gray(50, 40, () => 123);
    for (const [w, h] of [[13, 11], [50, 28], [120, 80]] as const) {
      expect(new Set(resizeBilinear(flat, w, h).data)).toEqual(new Set([123]));
    }
  });

  it('averages thin strokes when shrinking instead of skipping them', () => {
    // One-pixel vertical lines every 4 columns: plain 2-tap sampling at 1/4 scale would hit only paper or only ink.
    const lines = gray(64, 8, (x) => (x % 4 === 0 ? 0 : 255));
    const small = resizeBilinear(lines, 16, 2);
    for (const v of small.data) expect(Math.abs(v - 191)).toBeLessThanOrEqual(24);
  });

  it('interpolates linearly when enlarging', () => {
    const ramp = gray(2, 1, (x) => (x === 0 ? 0 : 200));
    // 2 -> 4 px: centres at 0.25, 0.75, 1.25, 1.75 source px.
    expect(Array.from(resizeBilinear(ramp, 4, 1).data)).toEqual([0, 50, 150, 200]);
  });

  it('natural width keeps the aspect ratio', () => {
    expect(naturalWidth({ width: 112, height: 56 }, 28)).toBe(56);
    expect(naturalWidth({ width: 3, height: 300 }, 28)).toBe(1);
  });
});
