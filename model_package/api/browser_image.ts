/**
 * Browser images -> 8-bit gray, the canvas counterpart of sharp's decode in
 * line_image.ts. Pixels come out of a 2D canvas as un-premultiplied sRGB RGBA and go
 * through the same pixelsToGray as in Node, so an opaque PNG gives the same bytes on
 * both. (A canvas stores premultiplied alpha, so semi-transparent pixels may differ
 * by a rounding step.)
 */
import { htrError } from '../errors.js';
import type { Gray8 } from '../core/data_types.js';
import { pixelsToGray } from '../preprocess/gray_pixels.js';

/** What `recognize` reads in a browser. A Blob or File holds an encoded image (PNG, JPEG, WebP...). */
export type BrowserImage = ImageData | HTMLCanvasElement | OffscreenCanvas | HTMLImageElement | ImageBitmap | Blob;

export async function browserImageToGray(image: BrowserImage): Promise<Gray8> {
  const label = typeof File !== 'undefined' && image instanceof File ? image.name : '<image>';
  if (typeof ImageData !== 'undefined' && image instanceof ImageData) return pixelsToGray(image.data, image.width, image.height, 4);
  if (image instanceof Blob) {
    let bitmap: ImageBitmap;
    try {
      // No premultiplying on decode; embedded colour profiles convert to sRGB (as sharp does).
      bitmap = await createImageBitmap(image, { premultiplyAlpha: 'none', colorSpaceConversion: 'default' });
    } catch (err) {
      throw htrError('HTR_ERR_BAD_IMAGE', { file: label, reason: (err as Error).message || 'the browser cannot decode it' }, err);
    }
    try {
      return drawnGray(bitmap, bitmap.width, bitmap.height, label);
    } finally {
      bitmap.close();
    }
  }
  const size = sizeOf(image);
  if (!size) throw htrError('HTR_ERR_BAD_IMAGE', { file: label, reason: 'expected an ImageData, canvas, image, ImageBitmap, Blob or File' });
  return drawnGray(image as CanvasImageSource, size.width, size.height, label);
}

function sizeOf(image: unknown): { width: number; height: number } | null {
  if (typeof HTMLImageElement !== 'undefined' && image instanceof HTMLImageElement) return { width: image.naturalWidth, height: image.naturalHeight };
  const s = image as { width?: unknown; height?: unknown } | null;
  return s && typeof s.width === 'number' && typeof s.height === 'number' ? { width: s.width, height: s.height } : null;
}

function drawnGray(source: CanvasImageSource, width: number, height: number, label: string): Gray8 {
  if (width < 1 || height < 1) throw htrError('HTR_ERR_BAD_IMAGE', { file: label, reason: 'image has no pixels' });
  const canvas = new OffscreenCanvas(width, height);
  // willReadFrequently keeps the canvas in CPU memory: exact pixels, no GPU readback.
  const ctx = canvas.getContext('2d', { willReadFrequently: true });
  if (!ctx) throw htrError('HTR_ERR_BAD_IMAGE', { file: label, reason: 'no 2D canvas context' });
  ctx.drawImage(source, 0, 0);
  return pixelsToGray(ctx.getImageData(0, 0, width, height).data, width, height, 4);
}
