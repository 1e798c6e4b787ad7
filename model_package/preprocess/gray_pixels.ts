/**
 * The platform-free half of preprocessing: decoded RGBA pixels -> 8-bit gray ->
 * model-height line -> float input. Node decodes with sharp (line_image.ts), the
 * browser with a canvas (model_package/api/browser_image.ts); both hand their
 * pixels to these functions, so the model input is the same array on both.
 * Pure arithmetic in a fixed order, so every JS engine gives the same bytes.
 */
import { htrError } from '../errors.js';
import type { Gray8, GrayImage } from '../core/data_types.js';

export interface LineImageOptions {
  /** Target height in pixels (the model's input height). */
  readonly height: number;
  /**
   * Widest line accepted (the model's input width). A line keeps its aspect ratio
   * and its natural width at `height`; it is never squeezed: a wider one is an
   * HTR_ERR_IMAGE_TOO_WIDE.
   */
  readonly width: number;
  /** Source images are dark ink on light paper (true for scans); invert to ink-high. */
  readonly invert?: boolean;
  /** Names the image in errors. */
  readonly label?: string;
}

/**
 * Interleaved 8-bit pixels (1 to 4 channels: gray, gray+alpha, RGB, RGBA, alpha not
 * premultiplied) -> gray, over a white background. Luma uses the Rec. 601 weights
 * on the stored (gamma-encoded) values; gray input passes through unchanged.
 */
export function pixelsToGray(data: ArrayLike<number>, width: number, height: number, channels: number): Gray8 {
  const out = new Uint8Array(width * height);
  const alpha = channels === 2 || channels === 4;
  const color = channels >= 3;
  for (let i = 0; i < out.length; i++) {
    const p = i * channels;
    const luma = color ? (299 * (data[p] as number) + 587 * (data[p + 1] as number) + 114 * (data[p + 2] as number)) / 1000 : (data[p] as number);
    const a = alpha ? (data[p + channels - 1] as number) : 255;
    out[i] = Math.round((luma * a + 255 * (255 - a)) / 255);
  }
  return { data: out, width, height };
}

/** Width of `gray` scaled to `height` with its aspect ratio kept. */
export function naturalWidth(gray: { width: number; height: number }, height: number): number {
  return Math.max(1, Math.round((gray.width * height) / gray.height));
}

/**
 * Bilinear resize of 8-bit gray. Downscaling widens the triangle filter to the
 * scale factor (as PIL's and libvips' linear kernels do), so thin strokes are
 * averaged rather than skipped. Separable, float in between, one rounding at the end.
 */
export function resizeBilinear(img: Gray8, width: number, height: number): Gray8 {
  if (width === img.width && height === img.height) return img;
  const xs = filterTaps(img.width, width);
  const ys = filterTaps(img.height, height);
  // Horizontal pass: img.height x width floats.
  const mid = new Float32Array(img.height * width);
  for (let r = 0; r < img.height; r++) {
    const row = r * img.width;
    for (let c = 0; c < width; c++) {
      const { start, weights } = xs[c] as Taps;
      let acc = 0;
      for (let k = 0; k < weights.length; k++) acc += (weights[k] as number) * (img.data[row + start + k] as number);
      mid[r * width + c] = acc;
    }
  }
  const out = new Uint8Array(width * height);
  for (let r = 0; r < height; r++) {
    const { start, weights } = ys[r] as Taps;
    for (let c = 0; c < width; c++) {
      let acc = 0;
      for (let k = 0; k < weights.length; k++) acc += (weights[k] as number) * (mid[(start + k) * width + c] as number);
      out[r * width + c] = Math.min(255, Math.max(0, Math.round(acc)));
    }
  }
  return { data: out, width, height };
}

interface Taps {
  readonly start: number;
  readonly weights: Float64Array;
}

/** Per output pixel: the first source pixel and the normalized triangle weights (pixel centres at +0.5). */
function filterTaps(inSize: number, outSize: number): Taps[] {
  const scale = inSize / outSize;
  const support = Math.max(1, scale);
  const taps: Taps[] = [];
  for (let o = 0; o < outSize; o++) {
    const centre = (o + 0.5) * scale;
    const start = Math.max(0, Math.floor(centre - support));
    const end = Math.min(inSize, Math.ceil(centre + support));
    const weights = new Float64Array(end - start);
    let sum = 0;
    for (let i = start; i < end; i++) {
      const w = Math.max(0, 1 - Math.abs((i + 0.5 - centre) / support));
      weights[i - start] = w;
      sum += w;
    }
    // sum >= 0.5: the nearest source centre is within half a pixel and support >= 1.
    for (let k = 0; k < weights.length; k++) weights[k] = (weights[k] as number) / sum;
    taps.push({ start, weights });
  }
  return taps;
}

/** 8-bit gray -> float [0,1] (optionally inverted), placed top-left in a zero canvas of width x height. */
export function toFloatCanvas(img: Gray8, width: number, invert: boolean): GrayImage {
  const out = new Float32Array(img.height * width);
  const cols = Math.min(width, img.width);
  for (let r = 0; r < img.height; r++) {
    for (let c = 0; c < cols; c++) {
      const v = (img.data[r * img.width + c] as number) / 255;
      out[r * width + c] = invert ? 1 - v : v;
    }
  }
  return { data: out, width, height: img.height };
}

/** Gray -> the model's height at its natural width -> [0,1] ink-high; a line wider than `opts.width` is HTR_ERR_IMAGE_TOO_WIDE. */
export function grayToLine(gray: Gray8, opts: LineImageOptions): GrayImage {
  const width = naturalWidth(gray, opts.height);
  if (width > opts.width) {
    throw htrError('HTR_ERR_IMAGE_TOO_WIDE', { file: opts.label ?? '<image>', width, height: opts.height, limit: opts.width });
  }
  const resized = resizeBilinear(gray, width, opts.height);
  return toFloatCanvas(resized, resized.width, opts.invert ?? true);
}
