/**
 * Deterministic image -> model input in Node, shared by every data module and by
 * inference/serving so that training and serving see identical tensors.
 * sharp only decodes (to RGBA); gray conversion and resizing are the pure
 * functions of gray_pixels.ts, which the browser runs on canvas pixels too.
 * Output convention (see core/data_types.ts): float32 in [0,1], ink high.
 */
import { open } from 'node:fs/promises';
import sharp from 'sharp';
import { htrError } from '../errors.js';
import type { Gray8, GrayImage } from '../core/data_types.js';
import { grayToLine, naturalWidth, pixelsToGray, resizeBilinear, type LineImageOptions } from './gray_pixels.js';

export { naturalWidth, toFloatCanvas, type LineImageOptions } from './gray_pixels.js';

/** The image formats read anywhere (serving, batch, own data), recognised by their first bytes. */
export const IMAGE_FORMATS = ['png', 'jpeg', 'webp', 'tiff'] as const;
export type ImageFormat = (typeof IMAGE_FORMATS)[number];

/** Format from magic bytes; undefined for anything else (SVG, GIF, text...), which is never handed to a decoder. */
export function sniffImageFormat(head: Uint8Array): ImageFormat | undefined {
  const at = (i: number, bytes: number[]): boolean => bytes.every((b, k) => head[i + k] === b);
  if (at(0, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) return 'png';
  if (at(0, [0xff, 0xd8, 0xff])) return 'jpeg';
  if (at(0, [0x52, 0x49, 0x46, 0x46]) && at(8, [0x57, 0x45, 0x42, 0x50])) return 'webp';
  if (at(0, [0x49, 0x49]) && (head[2] === 0x2a || head[2] === 0x2b) && head[3] === 0) return 'tiff';
  if (at(0, [0x4d, 0x4d, 0x00]) && (head[3] === 0x2a || head[3] === 0x2b)) return 'tiff';
  return undefined;
}

async function firstBytes(input: Buffer | string, n: number): Promise<Uint8Array> {
  if (typeof input !== 'string') return input.subarray(0, n);
  let handle;
  try {
    handle = await open(input, 'r');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') throw htrError('HTR_ERR_MISSING_FILE', { file: input }, err);
    throw htrError('HTR_ERR_BAD_IMAGE', { file: input, reason: (err as Error).message }, err);
  }
  try {
    const buf = Buffer.alloc(n);
    const { bytesRead } = await handle.read(buf, 0, n, 0);
    return buf.subarray(0, bytesRead);
  } finally {
    await handle.close();
  }
}

/** Refuses anything but the listed formats before a decoder sees it. */
export async function requireImageFormat(input: Buffer | string, label: string): Promise<ImageFormat> {
  const format = sniffImageFormat(await firstBytes(input, 16));
  if (!format) throw htrError('HTR_ERR_BAD_IMAGE', { file: label, reason: 'not a PNG, JPEG, WebP or TIFF image' });
  return format;
}

export interface HeaderLimits {
  /** Widest and tallest image accepted, in pixels. */
  readonly maxWidth?: number;
  readonly maxHeight?: number;
  /** Line mode: the model's height and input width; the line's width at that height must fit. */
  readonly line?: { readonly height: number; readonly width: number };
}

/**
 * Width and height from the image header, checked against `limits` before any
 * pixel is decoded: a 20,000,000 x 1 PNG is a few KB but gigabytes once decoded.
 */
export async function checkImageHeader(input: Buffer | string, label: string, limits: HeaderLimits): Promise<{ width: number; height: number }> {
  await requireImageFormat(input, label);
  let width: number | undefined;
  let height: number | undefined;
  try {
    ({ width, height } = await sharp(input).metadata());
  } catch (err) {
    throw htrError('HTR_ERR_BAD_IMAGE', { file: label, reason: err instanceof Error ? err.message : String(err) }, err);
  }
  if (!width || !height) throw htrError('HTR_ERR_BAD_IMAGE', { file: label, reason: 'image has no pixels' });
  if (limits.line) {
    const natural = naturalWidth({ width, height }, limits.line.height);
    if (natural > limits.line.width) throw htrError('HTR_ERR_IMAGE_TOO_WIDE', { file: label, width: natural, height: limits.line.height, limit: limits.line.width });
  }
  if ((limits.maxWidth !== undefined && width > limits.maxWidth) || (limits.maxHeight !== undefined && height > limits.maxHeight)) {
    throw htrError('HTR_ERR_IMAGE_TOO_LARGE', { file: label, pixels: `${width}x${height}`, limit: `${limits.maxWidth ?? '∞'}x${limits.maxHeight ?? '∞'}` });
  }
  return { width, height };
}

/** Decodes a PNG, JPEG, WebP or TIFF image into 8-bit grayscale. `label` names the source in errors. */
export async function decodeGray(input: Buffer | string, label = typeof input === 'string' ? input : '<buffer>', limitInputPixels = 100_000_000): Promise<Gray8> {
  await requireImageFormat(input, label);
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
