/**
 * Lines per second of SyntheticLines rendering (font render, distortions,
 * textures, resize, JPEG) with 0, 1 and 2 worker threads, at the default
 * line height, max width and length range. Prints JSON with the mean text
 * length and width of the rendered lines, and the CPU milliseconds per line
 * (all threads), which stay meaningful when other work shares the machine.
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
  const cpuStart = process.cpuUsage();
  const [lines = []] = await renderLines(spec, [{ fonts, salt: SPLIT_SALT.train, part: 'train', count }], numWorkers);
  const seconds = (performance.now() - started) / 1000;
  const cpu = process.cpuUsage(cpuStart);
  const cpuMsPerLine = (cpu.user + cpu.system) / 1000 / count;
  const mean = (f: (l: (typeof lines)[number]) => number) => Number((lines.reduce((s, l) => s + f(l), 0) / lines.length).toFixed(1));
  results.push({
    num_workers: numWorkers,
    lines: count,
    seconds: Number(seconds.toFixed(2)),
    lines_per_second: Number((count / seconds).toFixed(1)),
    // CPU time of all threads: on a machine shared with other work, wall time overstates the cost.
    cpu_ms_per_line: Number(cpuMsPerLine.toFixed(1)),
    mean_chars: mean((l) => l.text.length),
    mean_width: mean((l) => l.image.width),
  });
}
console.log(JSON.stringify({ bench: 'synthetic_lines', date: new Date().toISOString(), cpus: cpus().length, height: spec.height, max_width: spec.maxWidth, length: [spec.minLength, spec.maxLength], results }, null, 1));
