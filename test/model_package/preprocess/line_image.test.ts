import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { isHtrError } from '../../../model_package/errors.js';
import { decodeGray, preprocessLineImage } from '../../../model_package/preprocess/line_image.js';

async function blackBarPng(width: number, height: number): Promise<Buffer> {
  // White paper with a black bar over the left half.
  const px = Buffer.alloc(width * height, 255);
  for (let r = 0; r < height; r++) for (let c = 0; c < width / 2; c++) px[r * width + c] = 0;
  return sharp(px, { raw: { width, height, channels: 1 } }).png().toBuffer();
}

describe('preprocessLineImage', () => {
  it('resizes to the target height at its natural width (aspect kept) and inverts to ink-high', async () => {
    const png = await blackBarPng(112, 56); // 2:1 -> 56x28 at height 28
    const img = await preprocessLineImage(png, { height: 28, width: 100 });
    expect(img.height).toBe(28);
    expect(img.width).toBe(56);
    expect(img.data[14 * 56 + 5]).toBeCloseTo(1, 2); // ink from the black bar
    expect(img.data[14 * 56 + 40]).toBeCloseTo(0, 2); // white paper -> 0
    await expect(preprocessLineImage(png, { height: 28, width: 50 })).rejects.toSatisfy((e: unknown) => isHtrError(e, 'HTR_ERR_IMAGE_TOO_WIDE'));
  });

  it('gives the same floats for the same image every time', async () => {
    const png = await blackBarPng(90, 30);
    const a = await preprocessLineImage(png, { height: 28, width: 128 });
    const b = await preprocessLineImage(png, { height: 28, width: 128 });
    expect(Buffer.from(a.data.buffer).equals(Buffer.from(b.data.buffer))).toBe(true);
  });

  it('names the file when bytes are not an image', async () => {
    await expect(decodeGray(Buffer.from('not an image'), 'upload.png')).rejects.toSatisfy(
      (e: unknown) => isHtrError(e, 'HTR_ERR_BAD_IMAGE') && /upload\.png/.test(e.message),
    );
  });

  it('reports a missing file by path', async () => {
    await expect(decodeGray('/nonexistent/line.png')).rejects.toSatisfy(
      (e: unknown) => isHtrError(e) && /\/nonexistent\/line\.png/.test(e.message),
    );
  });
});
