/**
 * What a camera or scanner adds to a line at its final size: uneven light and
 * paper (shading), sensor noise and JPEG compression. Applied after resizing,
 * where those artifacts live in a real line image.
 */
import sharp from 'sharp';
import type { Rng } from '../../../core/rng.js';
import { valueNoise } from './distort_ops.js';
import type { Gray8 } from '../../../core/data_types.js';

/**
 * Resizes to `width` x `height`: area averaging along an axis that shrinks,
 * linear interpolation along one that grows. Plain JS: for the small lines
 * here it is several times cheaper than a round trip through sharp.
 */
export function resampleGray(img: Gray8, width: number, height: number): Gray8 {
  if (width === img.width && height === img.height) return img;
  const rows = resampleAxis(new Float32Array(img.data), img.width, img.height, height, false);
  const both = resampleAxis(rows, height, img.width, width, true);
  const out = new Uint8Array(width * height);
  for (let i = 0; i < out.length; i++) out[i] = Math.max(0, Math.min(255, Math.round(both[i] as number)));
  return { data: out, width, height };
}

/**
 * Resamples a row-major map along one axis (`horizontal`: along rows, else
 * along columns) from length `from` to `to`; `lines` is the other dimension.
 */
function resampleAxis(src: Float32Array, lines: number, from: number, to: number, horizontal: boolean): Float32Array {
  const scale = from / to;
  // Taps per output cell: first source index and up to `span` weights.
  const span = scale > 1 ? Math.ceil(scale) + 1 : 2;
  const first = new Int32Array(to);
  const weights = new Float32Array(to * span);
  for (let j = 0; j < to; j++) {
    if (scale > 1) {
      // Shrinking: average the source cells the output cell covers, partial cells weighted.
      const start = j * scale;
      const end = start + scale;
      const k0 = Math.floor(start);
      first[j] = k0;
      for (let k = k0; k < Math.min(from, Math.ceil(end)); k++) weights[j * span + k - k0] = Math.max(0, Math.min(end, k + 1) - Math.max(start, k)) / scale;
    } else {
      const pos = Math.max(0, Math.min(from - 1, (j + 0.5) * scale - 0.5));
      const k = Math.min(Math.floor(pos), from - 1);
      first[j] = k;
      weights[j * span] = 1 - (pos - k);
      if (k + 1 < from) weights[j * span + 1] = pos - k;
    }
  }
  const out = new Float32Array(lines * to);
  for (let j = 0; j < to; j++) {
    const k0 = first[j] as number;
    const n = Math.min(span, from - k0);
    if (horizontal) {
      for (let line = 0; line < lines; line++) {
        let acc = 0;
        for (let t = 0; t < n; t++) acc += (src[line * from + k0 + t] as number) * (weights[j * span + t] as number);
        out[line * to + j] = acc;
      }
    } else {
      // Whole rows at a time: contiguous reads and writes.
      const row = out.subarray(j * lines, (j + 1) * lines);
      for (let t = 0; t < n; t++) {
        const w = weights[j * span + t] as number;
        const srcRow = (k0 + t) * lines;
        for (let x = 0; x < lines; x++) row[x] = (row[x] as number) + (src[srcRow + x] as number) * w;
      }
    }
  }
  return out;
}

/**
 * Multiplies the scan by (1 + amount * smooth noise): broad shading a few
 * line heights across plus finer paper mottling at half the amplitude.
 */
export function shadePaper(scan: Gray8, amount: number, rng: Rng): Gray8 {
  if (amount <= 0) return scan;
  const broad = valueNoise(scan.width, scan.height, scan.height * 2, rng);
  const fine = valueNoise(scan.width, scan.height, Math.max(2, scan.height / 6), rng);
  const out = new Uint8Array(scan.data.length);
  for (let i = 0; i < out.length; i++) {
    const light = 1 + amount * ((broad[i] as number) + 0.5 * (fine[i] as number));
    out[i] = Math.max(0, Math.min(255, Math.round((scan.data[i] as number) * light)));
  }
  return { data: out, width: scan.width, height: scan.height };
}

/** Standard normals drawn once; per-pixel noise picks from them (one uniform per pixel). */
const NORMALS = (() => {
  const out = new Float32Array(4096);
  for (let i = 0; i < out.length; i++) {
    // Box-Muller on a fixed grid of (u, v): mean 0 and std-dev 1 to three decimals.
    const u = (i + 0.5) / out.length;
    const v = ((i * 0.6180339887) % 1) + 1e-9;
    out[i] = Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  }
  return out;
})();

/** Adds Gaussian noise of std-dev `std` (intensity units, 1 = full range). */
export function addNoise(scan: Gray8, std: number, rng: Rng): Gray8 {
  if (std <= 0) return scan;
  const out = new Uint8Array(scan.data.length);
  const scale = std * 255;
  for (let i = 0; i < out.length; i++) {
    const n = NORMALS[(rng.next() * NORMALS.length) | 0] as number;
    out[i] = Math.max(0, Math.min(255, Math.round((scan.data[i] as number) + scale * n)));
  }
  return { data: out, width: scan.width, height: scan.height };
}

/** Encodes the scan as a JPEG of `quality` (1..100) and decodes it again: block and ringing artifacts. */
export async function jpegRoundTrip(scan: Gray8, quality: number): Promise<Gray8> {
  const raw = { width: scan.width, height: scan.height, channels: 1 as const };
  const jpeg = await sharp(Buffer.from(scan.data.buffer, scan.data.byteOffset, scan.data.byteLength), { raw })
    .jpeg({ quality: Math.max(1, Math.min(100, Math.round(quality))) })
    .toBuffer();
  const { data, info } = await sharp(jpeg).extractChannel(0).raw().toBuffer({ resolveWithObject: true });
  if (info.width !== scan.width || info.height !== scan.height) throw new Error(`JPEG round trip changed the size: ${info.width}x${info.height}`);
  return { data: new Uint8Array(data.buffer, data.byteOffset, info.width * info.height), width: info.width, height: info.height };
}
