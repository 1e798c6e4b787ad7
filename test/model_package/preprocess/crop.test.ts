import { describe, expect, it } from 'vitest';
import { cropRect } from '../../../model_package/preprocess/crop.js';

describe('cropRect', () => {
  // 4x3 image whose pixel value is 10*row + column, so every copied byte names its source.
  const img = { data: Uint8Array.from([0, 1, 2, 3, 10, 11, 12, 13, 20, 21, 22, 23]), width: 4, height: 3 };

  it('copies the rows of an inner box', () => {
    const out = cropRect(img, 1, 1, 2, 2);
    expect(out.width).toBe(2);
    expect(out.height).toBe(2);
    expect([...out.data]).toEqual([11, 12, 21, 22]);
  });

  it('returns a copy, not a view of the source', () => {
    const out = cropRect(img, 0, 0, 4, 3);
    out.data[0] = 99;
    expect(img.data[0]).toBe(0);
    expect([...out.data.subarray(1)]).toEqual([...img.data.subarray(1)]);
  });
});
