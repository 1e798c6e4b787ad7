import { describe, expect, it } from 'vitest';
import { cropGray, segmentLines, type Gray8 } from '../../../model_package/inference/segment_lines.js';

/** White page with dark "text" blocks at the given row ranges and column ranges. */
function page(width: number, height: number, blocks: Array<[top: number, bottom: number, left: number, right: number]>): Gray8 {
  const data = new Uint8Array(width * height).fill(250);
  for (const [t, b, l, r] of blocks) {
    for (let y = t; y < b; y++) for (let x = l; x < r; x += 2) data[y * width + x] = 10; // striped like letters
  }
  return { data, width, height };
}

describe('segmentLines', () => {
  it('finds each text line with a little padding, top to bottom', () => {
    const img = page(400, 200, [
      [20, 40, 30, 370],
      [80, 100, 30, 250],
      [140, 162, 60, 380],
    ]);
    const boxes = segmentLines(img);
    expect(boxes).toHaveLength(3);
    const [a, b, c] = boxes;
    expect(a!.top).toBeLessThanOrEqual(20);
    expect(a!.top).toBeGreaterThanOrEqual(14);
    expect(a!.bottom).toBeGreaterThanOrEqual(40);
    expect(a!.bottom).toBeLessThan(80);
    expect(b!.top).toBeGreaterThan(a!.bottom);
    expect(b!.right).toBeLessThan(300); // trimmed to the ink
    expect(c!.left).toBeGreaterThan(40);
    expect(c!.bottom).toBeLessThanOrEqual(200);
  });

  it('keeps dots and descenders with their line and ignores lone specks far away', () => {
    const img = page(300, 160, [
      [30, 50, 10, 290],
      [52, 55, 100, 110], // a descender just below, separated by a 2-row gap
      [90, 110, 10, 290],
      [150, 151, 5, 7], // a speck near the bottom edge
    ]);
    const boxes = segmentLines(img);
    expect(boxes).toHaveLength(2);
    expect(boxes[0]!.bottom).toBeGreaterThanOrEqual(55);
  });

  it('a blank page is one box over everything; cropGray copies the box', () => {
    const blank = page(50, 20, []);
    expect(segmentLines(blank)).toEqual([{ top: 0, bottom: 20, left: 0, right: 50 }]);
    const img = page(10, 10, [[2, 4, 3, 6]]);
    const crop = cropGray(img, { top: 2, bottom: 4, left: 3, right: 6 });
    expect(crop.width).toBe(3);
    expect(crop.height).toBe(2);
    expect(Array.from(crop.data)).toEqual([10, 250, 10, 10, 250, 10]);
  });
});
