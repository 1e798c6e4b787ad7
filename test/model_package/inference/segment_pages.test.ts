import { describe, expect, it } from 'vitest';
import { cropLine, segmentLines } from '../../../model_package/inference/segment_lines.js';
import { generatePageGray, type PageSpec } from '../../../bench/lib/synthetic_pages.js';
import { matchLines } from '../../../bench/lib/line_match.js';

/** Generated pages with known line boxes: the conditions paragraph mode must survive. */
const CASES: Array<[string, Omit<PageSpec, 'seed'>]> = [
  ['noisy paper', {}],
  ['skew 3°', { skewDeg: 3 }],
  ['skew -4°', { skewDeg: -4 }],
  ['touching lines', { touching: true, pitch: 48 }],
  ['margin rule and specks', { clutter: true }],
  ['all at once', { skewDeg: 3, touching: true, clutter: true, pitch: 48 }],
];

describe('segmentLines on generated pages', () => {
  it.each(CASES)('%s: one box per line, each over its line', (_, spec) => {
    for (let seed = 0; seed < 4; seed++) {
      const page = generatePageGray({ ...spec, seed, lines: 4 + seed });
      const boxes = segmentLines(page);
      expect(boxes).toHaveLength(page.boxes.length);
      // IoU against the ink box; skewed lines get an upright box around a slanted line, so a lower bar.
      const m = matchLines(page.boxes, boxes, spec.skewDeg ? 0.3 : 0.5);
      expect(m.matched).toBe(page.boxes.length);
    }
  });

  it('a skewed line is cut out straight: its strip is as tall as the line, not as its slanted box', () => {
    const page = generatePageGray({ seed: 3, skewDeg: 4, lines: 3 });
    const [box] = segmentLines(page);
    expect(box?.slope).toBeCloseTo(-Math.tan((4 * Math.PI) / 180), 2);
    const strip = cropLine(page, box!);
    expect(strip.width).toBe(box!.right - box!.left);
    const rise = (box!.right - box!.left) * Math.abs(box!.slope!);
    expect(Math.abs(strip.height - (box!.bottom - box!.top - rise))).toBeLessThanOrEqual(2);
  });
});
