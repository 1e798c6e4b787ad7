/**
 * Deterministic image -> model input in Node, shared by every data module and by
 * inference/serving so that training and serving see identical tensors.
 * sharp only decodes (to RGBA); gray conversion and resizing are the pure
 * functions of gray_pixels.ts, which the browser runs on canvas pixels too.
 * Output convention (see core/data_types.ts): float32 in [0,1], ink high.
 */
import sharp from 'sharp';
import { htrError } from '../errors.js';
import type { Gray8, GrayImage } from '../core/data_types.js';
import { grayToLine, naturalWidth, pixelsToGray, resizeBilinear, type LineImageOptions } from './gray_pixels.js';

export { naturalWidth, toFloatCanvas, type LineImageOptions } from './gray_pixels.js';

/** Decodes any image sharp reads into 8-bit grayscale. `label` names the source in errors. */
export async function decodeGray(input: Buffer | string, label = typeof input === 'string' ? input : '<buffer>', limitInputPixels = 100_000_000): Promise<Gray8> {
  try {
    // RGBA, 8 bits, sRGB (sharp applies an embedded ICC profile): what a browser canvas holds.
    const { data, info } = await sharp(input, { limitInputPixels, failOn: 'truncated' })
      .ensureAlpha()
      .toColourspace('srgb')
      .raw({ depth: 'uchar' })
      .toBuffer({ resolveWithObject: true });
    if (info.width < 1 || info.height < 1) throw new Error('image has no pixels');
    return pixelsToGray(data, info.width, info.height, info.channels);
  } catch (err) {
    const reason = err instanceof Error ? err.message : String(err);
    if (/pixel limit/i.test(reason)) throw htrError('HTR_ERR_IMAGE_TOO_LARGE', { file: label, pixels: 'too many', limit: limitInputPixels }, err);
    if (/no such file|ENOENT|missing/i.test(reason) && typeof input === 'string') throw htrError('HTR_ERR_MISSING_FILE', { file: label }, err);
    throw htrError('HTR_ERR_BAD_IMAGE', { file: label, reason }, err);
  }
}

/** Resizes 8-bit gray to `height` keeping aspect (width capped at maxWidth), bilinear (gray_pixels.ts). */
export async function resizeGray(img: Gray8, height: number, maxWidth: number): Promise<Gray8> {
  return resizeBilinear(img, Math.min(maxWidth, naturalWidth(img, height)), height);
}

/** The one preprocessing path: decode -> gray -> resize to height (aspect kept) -> [0,1] ink-high, at its natural width. */
export async function preprocessLineImage(input: Buffer | string, opts: LineImageOptions, label?: string): Promise<GrayImage> {
  const gray = await decodeGray(input, label);
  return grayToLineImage(gray, { ...opts, ...(label !== undefined ? { label } : {}) });
}

export async function grayToLineImage(gray: Gray8, opts: LineImageOptions): Promise<GrayImage> {
  return grayToLine(gray, opts);
}
