/**
 * Pixel operations on an ink map (float32, ink 1, paper 0, row-major) used to
 * turn a clean font render into something closer to a pen on paper. Each
 * function is pure: it returns a new map and never touches its input.
 */
import type { Gray8 } from '../../../core/data_types.js';

export interface InkMap {
  readonly data: Float32Array;
  readonly width: number;
  readonly height: number;
}

/** First channel of an interleaved 8-bit render (sharp text output is white ink on black). */
export function inkFromChannels(raw: Uint8Array, width: number, height: number, channels: number): InkMap {
  const data = new Float32Array(width * height);
  for (let i = 0; i < data.length; i++) data[i] = (raw[i * channels] as number) / 255;
  return { data, width, height };
}

/**
 * Slants the map: row y moves right by `factor * (baselineRow - y)` pixels, so
 * positive factors lean letters forward like cursive. Linear interpolation
 * between columns; the map widens to hold the shifted rows.
 */
export function shear(img: InkMap, factor: number, baselineRow = img.height - 1): InkMap {
  if (factor === 0) return img;
  const shifts = Array.from({ length: img.height }, (_, y) => factor * (baselineRow - y));
  const minShift = Math.min(...shifts);
  const maxShift = Math.max(...shifts);
  const offset = -Math.floor(minShift);
  const width = img.width + Math.ceil(maxShift) + offset + 1;
  const out = new Float32Array(width * img.height);
  for (let y = 0; y < img.height; y++) {
    const shift = (shifts[y] as number) + offset;
    const whole = Math.floor(shift);
    const frac = shift - whole;
    const src = y * img.width;
    const dst = y * width;
    for (let x = 0; x < img.width; x++) {
      const v = img.data[src + x] as number;
      if (v === 0) continue;
      const tx = x + whole;
      out[dst + tx] = (out[dst + tx] as number) + v * (1 - frac);
      out[dst + tx + 1] = (out[dst + tx + 1] as number) + v * frac;
    }
  }
  for (let i = 0; i < out.length; i++) if ((out[i] as number) > 1) out[i] = 1;
  return { data: out, width, height: img.height };
}

/**
 * Grey-level morphology with a 3x3 cross, applied `|steps|` times: positive
 * steps dilate (max filter, thicker strokes), negative erode (min filter, thinner).
 */
export function morph(img: InkMap, steps: number): InkMap {
  let cur = img;
  const pick = steps > 0 ? Math.max : Math.min;
  for (let s = 0; s < Math.abs(steps); s++) {
    const { width, height, data } = cur;
    const out = new Float32Array(data.length);
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) {
        const i = y * width + x;
        let v = data[i] as number;
        // Outside the map counts as paper (0), which only matters for erosion at the border.
        v = pick(v, x > 0 ? (data[i - 1] as number) : 0);
        v = pick(v, x < width - 1 ? (data[i + 1] as number) : 0);
        v = pick(v, y > 0 ? (data[i - width] as number) : 0);
        v = pick(v, y < height - 1 ? (data[i + width] as number) : 0);
        out[i] = v;
      }
    }
    cur = { data: out, width, height };
  }
  return cur;
}

/** Mean length of horizontal ink runs (pixels above 0.5): a cheap stroke-width estimate. */
export function meanStrokeWidth(img: InkMap): number {
  let inked = 0;
  let runs = 0;
  for (let y = 0; y < img.height; y++) {
    let inside = false;
    for (let x = 0; x < img.width; x++) {
      const on = (img.data[y * img.width + x] as number) > 0.5;
      if (on) inked++;
      if (on && !inside) runs++;
      inside = on;
    }
  }
  return runs === 0 ? 0 : inked / runs;
}

/** Separable Gaussian blur; sigma <= 0 returns the input. */
export function gaussianBlur(img: InkMap, sigma: number): InkMap {
  if (sigma <= 0) return img;
  const radius = Math.max(1, Math.ceil(sigma * 2.5));
  const kernel = new Float32Array(2 * radius + 1);
  let sum = 0;
  for (let k = -radius; k <= radius; k++) {
    const w = Math.exp(-(k * k) / (2 * sigma * sigma));
    kernel[k + radius] = w;
    sum += w;
  }
  for (let k = 0; k < kernel.length; k++) kernel[k] = (kernel[k] as number) / sum;
  const { width, height } = img;
  const tmp = new Float32Array(img.data.length);
  const out = new Float32Array(img.data.length);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      let acc = 0;
      for (let k = -radius; k <= radius; k++) {
        const xx = Math.min(width - 1, Math.max(0, x + k));
        acc += (img.data[y * width + xx] as number) * (kernel[k + radius] as number);
      }
      tmp[y * width + x] = acc;
    }
  }
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      let acc = 0;
      for (let k = -radius; k <= radius; k++) {
        const yy = Math.min(height - 1, Math.max(0, y + k));
        acc += (tmp[yy * width + x] as number) * (kernel[k + radius] as number);
      }
      out[y * width + x] = acc;
    }
  }
  return { data: out, width, height };
}

/** Bounding box of pixels above `threshold`, or undefined for a blank map. */
export function inkBounds(img: InkMap, threshold = 0.1): { x0: number; y0: number; x1: number; y1: number } | undefined {
  let x0 = img.width;
  let y0 = img.height;
  let x1 = -1;
  let y1 = -1;
  for (let y = 0; y < img.height; y++) {
    for (let x = 0; x < img.width; x++) {
      if ((img.data[y * img.width + x] as number) > threshold) {
        if (x < x0) x0 = x;
        if (x > x1) x1 = x;
        if (y < y0) y0 = y;
        if (y > y1) y1 = y;
      }
    }
  }
  return x1 < 0 ? undefined : { x0, y0, x1, y1 };
}

/** Crops to the ink box and adds paper margins (pixels) on each side. */
export function cropWithMargins(img: InkMap, margins: { top: number; bottom: number; left: number; right: number }): InkMap {
  const box = inkBounds(img) ?? { x0: 0, y0: 0, x1: img.width - 1, y1: img.height - 1 };
  const w = box.x1 - box.x0 + 1;
  const h = box.y1 - box.y0 + 1;
  const width = w + margins.left + margins.right;
  const height = h + margins.top + margins.bottom;
  const out = new Float32Array(width * height);
  for (let y = 0; y < h; y++) {
    const src = (box.y0 + y) * img.width + box.x0;
    out.set(img.data.subarray(src, src + w), (y + margins.top) * width + margins.left);
  }
  return { data: out, width, height };
}

export interface PaperOptions {
  /** Ink darkness in (0, 1]: 1 is black ink. */
  readonly ink: number;
  /** Paper brightness in [0, 1]: 1 is white. */
  readonly paper: number;
  /** Std-dev of per-pixel Gaussian noise, in [0, 1] intensity units. */
  readonly noise: number;
  /** Standard normals for the noise, drawn by the caller's seeded RNG. */
  readonly normal: () => number;
}

/**
 * Renders the ink map as an 8-bit scan: dark ink on light paper, the form a
 * photographed or scanned line has before `grayToLineImage` inverts it.
 */
export function toScan(img: InkMap, opts: PaperOptions): Gray8 {
  const out = new Uint8Array(img.data.length);
  const inkLevel = opts.paper * (1 - opts.ink);
  for (let i = 0; i < out.length; i++) {
    const a = img.data[i] as number;
    let v = opts.paper * (1 - a) + inkLevel * a;
    if (opts.noise > 0) v += opts.noise * opts.normal();
    out[i] = Math.max(0, Math.min(255, Math.round(v * 255)));
  }
  return { data: out, width: img.width, height: img.height };
}
