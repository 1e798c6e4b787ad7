/**
 * Generated page scans with known line boxes, for the collection tests and the
 * segmentation and batch benchmarks: lines of pen-like words (x-height strokes,
 * ascenders and descenders) on light paper, with optional skew, touching lines
 * (descenders reaching into the next line) and margin clutter (a ruled margin
 * line, specks). Deterministic per seed.
 */
import sharp from 'sharp';
import { Rng } from '../../model_package/core/rng.js';
import type { LineBox } from '../../model_package/inference/segment_lines.js';

export interface PageSpec {
  readonly seed: number;
  readonly width?: number;
  readonly lines?: number;
  /** Pixels between the x-height bands of consecutive lines. */
  readonly pitch?: number;
  /** Skew in degrees (lines rise left to right for positive values). */
  readonly skewDeg?: number;
  /** Descenders long enough to touch the next line's ascenders. */
  readonly touching?: boolean;
  /** A vertical margin rule and specks of dirt. */
  readonly clutter?: boolean;
}

export interface GeneratedPage {
  readonly width: number;
  readonly height: number;
  readonly png: Buffer;
  /** Each line's ink box (true extent of its strokes), top to bottom. */
  readonly boxes: LineBox[];
}

export function generatePageGray(spec: PageSpec): { data: Uint8Array; width: number; height: number; boxes: LineBox[] } {
  const rng = new Rng(spec.seed);
  const width = spec.width ?? 800;
  const n = spec.lines ?? 6;
  const pitch = spec.pitch ?? 60;
  const xh = Math.round(pitch * 0.3);
  const margin = 60;
  const height = margin * 2 + pitch * n;
  const slope = Math.tan(((spec.skewDeg ?? 0) * Math.PI) / 180);
  const data = new Uint8Array(width * height);
  for (let i = 0; i < data.length; i++) data[i] = 235 + Math.floor(rng.uniform(0, 15));
  const boxes: LineBox[] = [];
  const dot = (x: number, y: number, box: { top: number; bottom: number; left: number; right: number }, r = 1): void => {
    for (let dy = -r; dy <= r; dy++) {
      for (let dx = -r; dx <= r; dx++) {
        const xi = Math.round(x + dx);
        const yi = Math.round(y + dy);
        if (xi < 0 || yi < 0 || xi >= width || yi >= height) continue;
        data[yi * width + xi] = 30;
        box.top = Math.min(box.top, yi);
        box.bottom = Math.max(box.bottom, yi + 1);
        box.left = Math.min(box.left, xi);
        box.right = Math.max(box.right, xi + 1);
      }
    }
  };
  // Skew pivots on the page centre, so every line stays on the page.
  const cx = width / 2;
  for (let l = 0; l < n; l++) {
    const base = margin + pitch * l + pitch * 0.6;
    const box = { top: height, bottom: 0, left: width, right: 0 };
    const x0 = margin + 30 + rng.uniform(0, 40);
    const x1 = width - margin - rng.uniform(0, width * 0.3);
    let x = x0;
    while (x < x1) {
      const wordLen = rng.uniform(30, 110);
      const end = Math.min(x1, x + wordLen);
      let phase = rng.uniform(0, Math.PI * 2);
      for (; x < end; x += 0.5) {
        phase += 0.35;
        const y = base - xh / 2 - (Math.sin(phase) * xh) / 2 - (x - cx) * slope;
        dot(x, y, box);
        // Ascenders and descenders on some letters.
        if (Math.sin(phase) > 0.995 && rng.next() < 0.25) {
          const up = rng.next() < 0.5;
          const len = up ? xh * 1.2 : spec.touching ? pitch - xh * 0.9 : xh * 1.1;
          for (let k = 0; k < len; k++) dot(x + k * 0.1, up ? y - xh / 2 - k : base + k - (x - cx) * slope, box);
        }
      }
      x += rng.uniform(12, 24);
    }
    boxes.push(box);
  }
  if (spec.clutter) {
    for (let y = 10; y < height - 10; y++) data[y * width + (margin - 20)] = 120;
    for (let s = 0; s < 30; s++) {
      const x = Math.floor(rng.uniform(0, width));
      const y = Math.floor(rng.uniform(0, height));
      data[y * width + x] = 60;
    }
  }
  return { data, width, height, boxes };
}

export async function generatePage(spec: PageSpec): Promise<GeneratedPage> {
  const { data, width, height, boxes } = generatePageGray(spec);
  const png = await sharp(Buffer.from(data), { raw: { width, height, channels: 1 } }).png().toBuffer();
  return { width, height, png, boxes };
}
