/** Model-input images back to viewable PNGs for prediction tables. */
import sharp from 'sharp';
import type { GrayImage } from '../core/data_types.js';

/** Ink-high floats in [0,1] -> dark ink on white paper, 8-bit grayscale PNG. */
export async function grayImageToPng(image: GrayImage): Promise<Buffer> {
  const { width, height, data } = image;
  if (data.length !== width * height) throw new RangeError(`image data has ${data.length} values for ${width}x${height}`);
  const px = Buffer.alloc(width * height);
  for (let i = 0; i < px.length; i++) {
    const v = data[i] as number;
    // NaN (a broken input) shows as mid-grey rather than failing the whole table.
    px[i] = Number.isNaN(v) ? 128 : Math.round(255 * (1 - Math.min(1, Math.max(0, v))));
  }
  return sharp(px, { raw: { width, height, channels: 1 } }).toColourspace('b-w').png({ compressionLevel: 9 }).toBuffer();
}

/** One image out of a collated batch ([B,H,W] row-major). */
export function batchImage(x: Float32Array, index: number, height: number, width: number): GrayImage {
  const size = height * width;
  return { data: x.subarray(index * size, (index + 1) * size), height, width };
}
