/**
 * Ink-map operations that make a font render less regular, like a hand: each
 * word tilted on its own, a smooth elastic warp, and ink that fades in
 * patches. Pure (a new map is returned) and seeded by the caller's RNG.
 */
import type { Rng } from '../../../core/rng.js';
import type { InkMap } from './ink_ops.js';

/**
 * Smooth noise in [-1, 1]: uniform values on a grid of `cell`-pixel squares,
 * interpolated with a smoothstep (cheaper than filtering per-pixel noise).
 */
export function valueNoise(width: number, height: number, cell: number, rng: Rng): Float32Array {
  const size = Math.max(1, cell);
  const gw = Math.floor(width / size) + 2;
  const gh = Math.floor(height / size) + 2;
  const grid = new Float32Array(gw * gh);
  for (let i = 0; i < grid.length; i++) grid[i] = rng.next() * 2 - 1;
  // Each grid row interpolated along x once; pixel rows then blend two of these.
  const rows = new Float32Array(gh * width);
  for (let x = 0; x < width; x++) {
    const g = x / size;
    const i = Math.floor(g);
    const f = g - i;
    const w = f * f * (3 - 2 * f);
    for (let r = 0; r < gh; r++) rows[r * width + x] = (grid[r * gw + i] as number) * (1 - w) + (grid[r * gw + i + 1] as number) * w;
  }
  const out = new Float32Array(width * height);
  for (let y = 0; y < height; y++) {
    const g = y / size;
    const gy = Math.floor(g);
    const f = g - gy;
    const wy = f * f * (3 - 2 * f);
    const top = gy * width;
    const bottom = top + width;
    const o = y * width;
    for (let x = 0; x < width; x++) out[o + x] = (rows[top + x] as number) * (1 - wy) + (rows[bottom + x] as number) * wy;
  }
  return out;
}

/** Bilinear sample of `img` at (x, y); outside the map is paper (0). Hot: no closures. */
function sample(img: InkMap, x: number, y: number): number {
  const x0 = Math.floor(x);
  const y0 = Math.floor(y);
  const { width, height, data } = img;
  if (x0 < -1 || y0 < -1 || x0 >= width || y0 >= height) return 0;
  const fx = x - x0;
  const fy = y - y0;
  const i = y0 * width + x0;
  if (x0 >= 0 && y0 >= 0 && x0 + 1 < width && y0 + 1 < height) {
    const a = data[i] as number;
    const b = data[i + 1] as number;
    const c = data[i + width] as number;
    const d = data[i + width + 1] as number;
    return (a + (b - a) * fx) * (1 - fy) + (c + (d - c) * fx) * fy;
  }
  const inX0 = x0 >= 0;
  const inX1 = x0 + 1 < width;
  const inY0 = y0 >= 0;
  const inY1 = y0 + 1 < height;
  const a = inX0 && inY0 ? (data[i] as number) : 0;
  const b = inX1 && inY0 ? (data[i + 1] as number) : 0;
  const c = inX0 && inY1 ? (data[i + width] as number) : 0;
  const d = inX1 && inY1 ? (data[i + width + 1] as number) : 0;
  return (a + (b - a) * fx) * (1 - fy) + (c + (d - c) * fx) * fy;
}

/**
 * Ink clusters: runs of inked columns, merged across gaps narrower than
 * `minGap` pixels. With a gap threshold below a word space these are the
 * words (letters a print hand leaves apart may split a word in two).
 */
export function inkClusters(img: InkMap, minGap: number): { x0: number; x1: number }[] {
  const inked = new Uint8Array(img.width);
  for (let y = 0; y < img.height; y++) {
    for (let x = 0; x < img.width; x++) if ((img.data[y * img.width + x] as number) > 0.1) inked[x] = 1;
  }
  const out: { x0: number; x1: number }[] = [];
  for (let x = 0; x < img.width; x++) {
    if (!inked[x]) continue;
    const last = out[out.length - 1];
    if (last && x - last.x1 - 1 < minGap) last.x1 = x;
    else out.push({ x0: x, x1: x });
  }
  return out;
}

/** First and last row with ink in columns x0..x1. */
function inkRows(img: InkMap, x0: number, x1: number): [number, number] {
  let top = img.height;
  let bottom = -1;
  for (let y = 0; y < img.height; y++) {
    for (let x = x0; x <= x1; x++) {
      if ((img.data[y * img.width + x] as number) > 0) {
        if (y < top) top = y;
        bottom = y;
        break;
      }
    }
  }
  return bottom < 0 ? [0, img.height - 1] : [top, bottom];
}

/**
 * Rotates each ink cluster (word) by its own angle, uniform in
 * ±`maxDegrees`, about its centre. The map grows by the room the tilted
 * words need; clusters never overwrite each other (the darker pixel wins).
 */
export function rotateWords(img: InkMap, maxDegrees: number, minGap: number, rng: Rng): InkMap {
  if (maxDegrees <= 0) return img;
  const clusters = inkClusters(img, minGap).map((c) => ({ ...c, angle: (rng.uniform(-maxDegrees, maxDegrees) * Math.PI) / 180 }));
  if (clusters.length === 0) return img;
  let padY = 1;
  let padX = 1;
  for (const c of clusters) {
    const s = Math.abs(Math.sin(c.angle));
    padY = Math.max(padY, Math.ceil((s * (c.x1 - c.x0 + 1)) / 2) + 1);
    padX = Math.max(padX, Math.ceil((s * img.height) / 2) + 1);
  }
  const width = img.width + 2 * padX;
  const height = img.height + 2 * padY;
  const out = new Float32Array(width * height);
  const cy = img.height / 2;
  for (const c of clusters) {
    const cos = Math.cos(c.angle);
    const sin = Math.sin(c.angle);
    const cx = (c.x0 + c.x1) / 2;
    // Output columns that can receive this cluster: its source columns +- padX, shifted by padX;
    // output rows: its inked source rows +- padY (shifted by padY).
    const xe = Math.min(width - 1, c.x1 + 2 * padX);
    const [top, bottom] = inkRows(img, c.x0, c.x1);
    for (let y = top; y <= Math.min(height - 1, bottom + 2 * padY); y++) {
      const dy = y - padY - cy;
      for (let x = c.x0; x <= xe; x++) {
        const dx = x - padX - cx;
        const sx = cx + cos * dx + sin * dy;
        if (sx < c.x0 - 1 || sx > c.x1 + 1) continue;
        const v = sample(img, sx, cy - sin * dx + cos * dy);
        const i = y * width + x;
        if (v > (out[i] as number)) out[i] = v;
      }
    }
  }
  return { data: out, width, height };
}

/**
 * Mean width of the paper runs between two ink runs of a row (counters and
 * letter gaps; runs wider than half the map height, word spaces, are left out).
 */
export function meanInnerGap(img: InkMap): number {
  let total = 0;
  let count = 0;
  for (let y = 0; y < img.height; y++) {
    let last = -1;
    for (let x = 0; x < img.width; x++) {
      if ((img.data[y * img.width + x] as number) <= 0.5) continue;
      const gap = x - last - 1;
      if (last >= 0 && gap > 0 && gap < img.height / 2) {
        total += gap;
        count++;
      }
      last = x;
    }
  }
  return count === 0 ? Infinity : total / count;
}

/**
 * Elastic distortion: every pixel moves by a smooth random field of
 * amplitude `amplitude` pixels whose features are about `cell` pixels apart.
 */
export function elasticWarp(img: InkMap, amplitude: number, cell: number, rng: Rng): InkMap {
  if (amplitude <= 0) return img;
  const fx = valueNoise(img.width, img.height, cell, rng);
  const fy = valueNoise(img.width, img.height, cell, rng);
  const out = new Float32Array(img.data.length);
  for (let y = 0; y < img.height; y++) {
    for (let x = 0; x < img.width; x++) {
      const i = y * img.width + x;
      out[i] = sample(img, x + amplitude * (fx[i] as number), y + amplitude * (fy[i] as number));
    }
  }
  return { data: out, width: img.width, height: img.height };
}

/**
 * Uneven ink: strokes fade by up to `strength` in patches about `cell` pixels
 * across (pen pressure, drying ink), with a little per-pixel grain.
 */
export function inkTexture(img: InkMap, strength: number, cell: number, rng: Rng): InkMap {
  if (strength <= 0) return img;
  const patches = valueNoise(img.width, img.height, cell, rng);
  const out = new Float32Array(img.data.length);
  for (let i = 0; i < out.length; i++) {
    const a = img.data[i] as number;
    if (a === 0) continue;
    const fade = 0.75 * (0.5 + 0.5 * (patches[i] as number)) + 0.25 * rng.next();
    out[i] = a * (1 - strength * fade);
  }
  return { data: out, width: img.width, height: img.height };
}
