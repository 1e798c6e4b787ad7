/** Rectangle crops of 8-bit gray images (row-major, one byte a pixel). */
import type { Gray8 } from '../core/data_types.js';

/**
 * Copies the `width` x `height` box whose top-left corner is (`x`, `y`) out of
 * `img`. The caller keeps the box inside the image; rows are copied as-is.
 */
export function cropRect(img: Gray8, x: number, y: number, width: number, height: number): { data: Uint8Array; width: number; height: number } {
  const data = new Uint8Array(width * height);
  for (let r = 0; r < height; r++) {
    const src = (y + r) * img.width + x;
    data.set(img.data.subarray(src, src + width), r * width);
  }
  return { data, width, height };
}
