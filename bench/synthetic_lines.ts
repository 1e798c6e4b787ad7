/**
 * Lines per second of SyntheticLines rendering (font render, slant, stroke,
 * blur, noise, resize) with 0, 1 and 2 worker threads. Prints JSON.
 *
 *   npx tsx bench/synthetic_lines.ts [--lines 400] [--workers 0,1,2]
 */
import { cpus } from 'node:os';
import { parseArgs } from 'node:util';
import { DEFAULT_TRAIN_FONTS, SyntheticLinesConfig, SPLIT_SALT, SyntheticLines } from '../model_package/data/synthetic/synthetic_lines.js';
import { renderLines } from '../model_package/data/synthetic/render/render_pool.js';
import { discoverFonts, selectFonts } from '../model_package/data/synthetic/fonts.js';

const { values } = parseArgs({ options: { lines: { type: 'string', default: '400' }, workers: { type: 'string', default: '0,1,2' } } });
const count = Number(values.lines);
const workerCounts = String(values.workers).split(',').map(Number);
const spec = new SyntheticLines(SyntheticLinesConfig.parse({})).spec();
const fonts = selectFonts(discoverFonts(), DEFAULT_TRAIN_FONTS, 'fonts');

// Warm-up: font registration and the first worker boot are not per-line costs.
await renderLines(spec, [{ fonts, salt: SPLIT_SALT.train, part: 'train', count: 16 }], 0);

const results = [];
for (const numWorkers of workerCounts) {
  const started = performance.now();
  await renderLines(spec, [{ fonts, salt: SPLIT_SALT.train, part: 'train', count }], numWorkers);
  const seconds = (performance.now() - started) / 1000;
  results.push({ num_workers: numWorkers, lines: count, seconds: Number(seconds.toFixed(2)), lines_per_second: Number((count / seconds).toFixed(1)) });
}
console.log(JSON.stringify({ bench: 'synthetic_lines', date: new Date().toISOString(), cpus: cpus().length, height: spec.height, width: spec.width, results }, null, 1));
