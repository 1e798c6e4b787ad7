/**
 * Augmentation ops on float gray images (ink high, paper 0), pure functions of the
 * image and their parameters. Geometric ops map each output pixel back into the
 * source and sample bilinearly with paper (0) outside, so shapes never change.
 */
import type { GrayImage } from '../../core/data_types.js';
import type { Rng } from '../../core/rng.js';

/**
 * Output pixel i takes the bilinear sample of `img` at (sx[i], sy[i]); outside
 * the image is paper (0). One flat loop with no per-pixel allocation.
 */
function sampleAt(img: GrayImage, sx: Float32Array, sy: Float32Array): GrayImage {
  const { data, width: w, height: h } = img;
  const out = new Float32Array(w * h);
  for (let i = 0; i < out.length; i++) {
    const x = sx[i] as number;
    const y = sy[i] as number;
    if (x <= -1 || y <= -1 || x >= w || y >= h) continue;
    const x0 = Math.floor(x);
    const y0 = Math.floor(y);
    const fx = x - x0;
    const fy = y - y0;
    const inX0 = x0 >= 0;
    const inX1 = x0 + 1 < w;
    const inY0 = y0 >= 0;
    const inY1 = y0 + 1 < h;
    const r0 = y0 * w;
    const r1 = r0 + w;
    const a = inX0 && inY0 ? (data[r0 + x0] as number) : 0;
    const b = inX1 && inY0 ? (data[r0 + x0 + 1] as number) : 0;
    const c = inX0 && inY1 ? (data[r1 + x0] as number) : 0;
    const d = inX1 && inY1 ? (data[r1 + x0 + 1] as number) : 0;
    out[i] = (a * (1 - fx) + b * fx) * (1 - fy) + (c * (1 - fx) + d * fx) * fy;
  }
  return { data: out, width: w, height: h };
}

/** Source coordinates of an affine map: (sx, sy) = (m00 x + m01 y + m02, m10 x + m11 y + m12). */
function affineSample(img: GrayImage, m00: number, m01: number, m02: number, m10: number, m11: number, m12: number): GrayImage {
  const { width: w, height: h } = img;
  const sx = new Float32Array(w * h);
  const sy = new Float32Array(w * h);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      sx[y * w + x] = m00 * x + m01 * y + m02;
      sy[y * w + x] = m10 * x + m11 * y + m12;
    }
  }
  return sampleAt(img, sx, sy);
}

/** Columns [0, inkWidth) hold every pixel above `thresh` (line images are left-aligned on a padded canvas). */
export function inkExtent(img: GrayImage, thresh = 0.02): { width: number; height: number } {
  let maxX = -1;
  let maxY = -1;
  for (let y = 0; y < img.height; y++) {
    for (let x = img.width - 1; x > maxX; x--) {
      if ((img.data[y * img.width + x] as number) > thresh) {
        maxX = x;
        break;
      }
    }
  }
  for (let y = img.height - 1; y >= 0 && maxY < 0; y--) {
    for (let x = 0; x < img.width; x++) {
      if ((img.data[y * img.width + x] as number) > thresh) {
        maxY = y;
        break;
      }
    }
  }
  return { width: maxX + 1, height: maxY + 1 };
}

export interface AffineParams {
  rotationDeg: number;
  shearDeg: number;
  scale: number;
  /** Translation in pixels. */
  tx: number;
  ty: number;
}

/** Rotation, horizontal shear and scale about the ink's centre, then translation. */
export function affine(img: GrayImage, p: AffineParams): GrayImage {
  const ext = inkExtent(img);
  const cx = Math.max(ext.width, 1) / 2;
  const cy = img.height / 2;
  const r = (p.rotationDeg * Math.PI) / 180;
  const sh = Math.tan((p.shearDeg * Math.PI) / 180);
  // Forward: M = scale * R * Shear; Shear = [[1, sh], [0, 1]].
  const a = p.scale * Math.cos(r);
  const b = p.scale * (Math.cos(r) * sh - Math.sin(r));
  const c = p.scale * Math.sin(r);
  const d = p.scale * (Math.sin(r) * sh + Math.cos(r));
  const det = a * d - b * c;
  const ia = d / det;
  const ib = -b / det;
  const ic = -c / det;
  const id = a / det;
  // source = inv * (out - c - t) + c
  const ox = -cx - p.tx;
  const oy = -cy - p.ty;
  return affineSample(img, ia, ib, ia * ox + ib * oy + cx, ic, id, ic * ox + id * oy + cy);
}

/** Stretches the ink horizontally by `factor` (left edge fixed), capped to stay on the canvas. */
export function widthJitter(img: GrayImage, factor: number): GrayImage {
  const ext = inkExtent(img);
  const f = ext.width > 0 ? Math.min(factor, img.width / ext.width) : factor;
  return affineSample(img, 1 / f, 0, 0, 0, 1, 0);
}

export function brightnessContrast(img: GrayImage, brightness: number, contrast: number): GrayImage {
  let mean = 0;
  for (let i = 0; i < img.data.length; i++) mean += img.data[i] as number;
  mean /= Math.max(1, img.data.length);
  const out = new Float32Array(img.data.length);
  for (let i = 0; i < out.length; i++) {
    const v = ((img.data[i] as number) - mean) * contrast + mean;
    out[i] = Math.min(1, Math.max(0, v * brightness));
  }
  return { data: out, width: img.width, height: img.height };
}

export function gaussianBlur(img: GrayImage, sigma: number): GrayImage {
  const radius = Math.max(1, Math.ceil(sigma * 2.5));
  const kernel = new Float32Array(2 * radius + 1);
  let sum = 0;
  for (let i = -radius; i <= radius; i++) sum += kernel[i + radius] = Math.exp(-(i * i) / (2 * sigma * sigma));
  for (let i = 0; i < kernel.length; i++) kernel[i] = (kernel[i] as number) / sum;
  const { width: w, height: h } = img;
  const tmp = new Float32Array(w * h);
  const out = new Float32Array(w * h);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      let acc = 0;
      for (let k = -radius; k <= radius; k++) {
        const xx = x + k;
        if (xx >= 0 && xx < w) acc += (img.data[y * w + xx] as number) * (kernel[k + radius] as number);
      }
      tmp[y * w + x] = acc;
    }
  }
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      let acc = 0;
      for (let k = -radius; k <= radius; k++) {
        const yy = y + k;
        if (yy >= 0 && yy < h) acc += (tmp[yy * w + x] as number) * (kernel[k + radius] as number);
      }
      out[y * w + x] = acc;
    }
  }
  return { data: out, width: w, height: h };
}

/** Smooth random displacement: N(0, alpha) offsets on a coarse grid, interpolated bilinearly. */
export function elastic(img: GrayImage, alpha: number, grid: number, rng: Rng): GrayImage {
  const gw = Math.ceil(img.width / grid) + 2;
  const gh = Math.ceil(img.height / grid) + 2;
  const dx = new Float32Array(gw * gh).map(() => rng.normal() * alpha);
  const dy = new Float32Array(gw * gh).map(() => rng.normal() * alpha);
  const { width: w, height: h } = img;
  const sx = new Float32Array(w * h);
  const sy = new Float32Array(w * h);
  for (let y = 0; y < h; y++) {
    const gy = y / grid;
    const y0 = Math.floor(gy);
    const fy = gy - y0;
    const j0 = Math.min(gh - 1, y0) * gw;
    const j1 = Math.min(gh - 1, y0 + 1) * gw;
    for (let x = 0; x < w; x++) {
      const gx = x / grid;
      const x0 = Math.floor(gx);
      const fx = gx - x0;
      const i0 = Math.min(gw - 1, x0);
      const i1 = Math.min(gw - 1, x0 + 1);
      const w00 = (1 - fx) * (1 - fy);
      const w01 = fx * (1 - fy);
      const w10 = (1 - fx) * fy;
      const w11 = fx * fy;
      const k = y * w + x;
      sx[k] = x + (dx[j0 + i0] as number) * w00 + (dx[j0 + i1] as number) * w01 + (dx[j1 + i0] as number) * w10 + (dx[j1 + i1] as number) * w11;
      sy[k] = y + (dy[j0 + i0] as number) * w00 + (dy[j0 + i1] as number) * w01 + (dy[j1 + i0] as number) * w10 + (dy[j1 + i1] as number) * w11;
    }
  }
  return sampleAt(img, sx, sy);
}

/**
 * Noise framing (seed 001): shrink the ink into a frame with random margins
 * (`margins` = fractions of width/height per side) and add Gaussian paper noise,
 * so the model sees text that does not touch the crop edges on a noisy background.
 */
export function noiseFrame(img: GrayImage, margins: { left: number; right: number; top: number; bottom: number }, noiseStd: number, rng: Rng): GrayImage {
  const ext = inkExtent(img);
  const inkW = Math.max(1, ext.width);
  const H = img.height;
  const left = margins.left * inkW;
  const right = margins.right * inkW;
  const top = margins.top * H;
  const bottom = margins.bottom * H;
  const sx = (inkW - left - right) / inkW;
  const sy = (H - top - bottom) / H;
  const framed = sx > 0.2 && sy > 0.2 ? affineSample(img, 1 / sx, 0, -left / sx, 0, 1 / sy, -top / sy) : img;
  if (noiseStd <= 0) return framed;
  const out = new Float32Array(framed.data.length);
  for (let i = 0; i < out.length; i++) out[i] = Math.min(1, Math.max(0, (framed.data[i] as number) + Math.abs(rng.normal()) * noiseStd));
  return { data: out, width: framed.width, height: framed.height };
}
