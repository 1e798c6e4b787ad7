/**
 * Line segmentation on generated pages with known line boxes
 * (`bench/lib/synthetic_pages.ts`): per condition (clean, skewed, touching lines,
 * margin clutter, all at once), line recall and precision at IoU >= 0.5 and the
 * share of pages with exactly the right number of lines.
 *
 *   npx tsx bench/segmentation.ts [--pages 50] [--out bench/results/segmentation.json]
 *
 * bench:args --pages 50
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { segmentLines } from '../model_package/inference/segment_lines.js';
import { generatePageGray, type PageSpec } from './lib/synthetic_pages.js';
import { matchLines } from './lib/line_match.js';

const { values } = parseArgs({ options: { pages: { type: 'string', default: '50' }, out: { type: 'string', default: 'bench/results/segmentation.json' } } });
const pages = Number(values.pages);

export const CONDITIONS: Record<string, Omit<PageSpec, 'seed'>> = {
  clean: {},
  'skew 2°': { skewDeg: 2 },
  'skew -4°': { skewDeg: -4 },
  touching: { touching: true, pitch: 48 },
  'margin clutter': { clutter: true },
  'skew 3° + touching + clutter': { skewDeg: 3, touching: true, clutter: true, pitch: 48 },
};

const rows = Object.entries(CONDITIONS).map(([name, spec]) => {
  let truth = 0;
  let found = 0;
  let matched = 0;
  let exact = 0;
  let ms = 0;
  for (let s = 0; s < pages; s++) {
    const page = generatePageGray({ ...spec, seed: 10_000 + s, lines: 3 + (s % 8) });
    const t0 = performance.now();
    const boxes = segmentLines(page);
    ms += performance.now() - t0;
    const m = matchLines(page.boxes, boxes);
    truth += m.truth;
    found += m.found;
    matched += m.matched;
    if (m.found === m.truth) exact++;
  }
  return { condition: name, pages, recall: matched / truth, precision: matched / Math.max(1, found), exact_count: exact / pages, ms_per_page: ms / pages };
});

const result = { date: new Date().toISOString().slice(0, 10), rows };
mkdirSync(path.dirname(values.out), { recursive: true });
writeFileSync(values.out, `${JSON.stringify(result, null, 2)}\n`);
for (const r of rows) console.error(`${r.condition.padEnd(30)} recall ${r.recall.toFixed(3)} precision ${r.precision.toFixed(3)} exact ${(r.exact_count * 100).toFixed(0)}% ${r.ms_per_page.toFixed(1)} ms/page`);
console.log(JSON.stringify(result));
