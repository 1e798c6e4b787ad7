/**
 * The two pictures of a model card:
 *   <out>_curve.png    validation CER (and training loss) by step, over every leg of
 *                      the training (runs given in order; a resumed run continues the steps)
 *   <out>_samples.png  held-out test lines of SyntheticLines with their ground truth and
 *                      what the model reads, errors marked, CER per line
 * The test lines are the dataset's test split (held-out fonts and text), lines 0, 7,
 * 14, ... as in bench/synthetic_samples.ts, so the table is not picked to flatter.
 *
 *   npx tsx bench/model_card_figures.ts --ckpt models/demo/demo.ckpt \
 *       --runs runs/synthetic_lines/A,runs/synthetic_lines/B --out models/demo/demo [--lines 10] [--decoding auto]
 */
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import sharp, { type OverlayOptions } from 'sharp';
import { loadRecognizer } from '../model_package/api/node.js';
import type { Decoding } from '../model_package/api/types.js';
import { escapeMarkup } from '../model_package/data/synthetic/render/font_text.js';
import { SyntheticLineSource } from '../model_package/data/synthetic/render/synthetic_line_source.js';
import { discoverFonts, selectFonts } from '../model_package/data/synthetic/fonts.js';
import { SPLIT_SALT, SyntheticLines, SyntheticLinesConfig } from '../model_package/data/synthetic/synthetic_lines.js';
import { lineChart, readRun, type ChartSeries } from '../model_package/loggers/report/index.js';
import { alignChars } from '../model_package/loggers/report/html.js';
import { cer } from '../model_package/metrics/error_rate.js';

const { values } = parseArgs({
  options: {
    ckpt: { type: 'string' },
    runs: { type: 'string', default: '' },
    out: { type: 'string' },
    lines: { type: 'string', default: '10' },
    decoding: { type: 'string', default: 'auto' },
    seed: { type: 'string', default: '0' },
  },
});
if (!values.ckpt || !values.out) throw new Error('usage: --ckpt FILE --out PREFIX [--runs DIR,DIR] [--lines N] [--decoding MODE]');

/** Val CER and train loss of every leg, in step order (a later leg overrides overlapping steps). */
function curves(dirs: readonly string[]): ChartSeries[] {
  const val = new Map<number, number>();
  const loss = new Map<number, number>();
  for (const dir of dirs) {
    const run = readRun(dir);
    for (const p of run.series.get('val/cer') ?? []) val.set(p.step, p.value);
    for (const p of run.series.get('train/loss') ?? []) loss.set(p.step, p.value);
  }
  const sorted = (m: Map<number, number>) => [...m.entries()].sort((a, b) => a[0] - b[0]) as Array<[number, number]>;
  return [
    { label: 'val CER', color: '#d9480f', points: sorted(val) },
    { label: 'train loss', color: '#1c7ed6', points: sorted(loss) },
  ];
}

async function svgToPng(svg: string, width: number, height: number, legend: readonly ChartSeries[], file: string): Promise<void> {
  // The report draws its legend in HTML; a PNG needs it inside the picture.
  const keys = legend
    .map((s, i) => `<rect x="${width - 150}" y="${16 + i * 18}" width="14" height="3" fill="${s.color}"/><text x="${width - 130}" y="${21 + i * 18}" font-size="12" fill="#343a40">${s.label}</text>`)
    .join('');
  const sized = svg
    .replace('<svg ', `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" `)
    .replace(/<\/svg>\s*$/, `${keys}</svg>`);
  await sharp(Buffer.from(sized)).flatten({ background: '#ffffff' }).png().toFile(file);
}

async function text(markup: string, width: number): Promise<{ png: Buffer; height: number }> {
  const png = await sharp({ text: { text: markup, font: 'monospace 12', dpi: 72, width, rgba: true } }).png().toBuffer();
  return { png, height: (await sharp(png).metadata()).height ?? 14 };
}

/** Ground truth and reading, with substituted/inserted/deleted characters coloured. */
function diffMarkup(truth: string, read: string): { truth: string; read: string } {
  let t = '';
  let r = '';
  for (const op of alignChars(truth, read)) {
    const ref = escapeMarkup(op.ref ?? '');
    const hyp = escapeMarkup(op.hyp ?? '');
    if (op.op === 'equal') {
      t += ref;
      r += hyp;
    } else {
      if (ref) t += `<span background="#ffd8a8">${ref}</span>`;
      if (hyp) r += `<span background="#ffc9c9">${hyp}</span>`;
    }
  }
  return { truth: t, read: r };
}

const runs = (values.runs as string).split(',').filter(Boolean);
if (runs.length > 0) {
  const series = curves(runs);
  const svg = lineChart(series, { xLabel: 'optimizer step', zeroBased: true, width: 720, height: 320, smoothAbove: 200, smoothSeries: (l) => l === 'train loss' });
  await svgToPng(svg, 720, 320, series, `${values.out}_curve.png`);
  console.log(`${values.out}_curve.png: ${series[0]?.points.length ?? 0} validation points from ${runs.length} run(s)`);
}

const recognizer = await loadRecognizer(values.ckpt);
const config = SyntheticLinesConfig.parse({ seed: Number(values.seed), num_workers: 0 });
const source = new SyntheticLineSource(new SyntheticLines(config).spec());
const faces = selectFonts(discoverFonts(config.font_dir), config.test_fonts, 'data.test_fonts');
const PAD = 8;
const width = config.max_width + 2 * PAD;
const tiles: OverlayOptions[] = [];
let y = PAD;
let errors = 0;
let chars = 0;
for (let i = 0; i < Number(values.lines); i++) {
  const line = await source.render(faces, SPLIT_SALT.test, i * 7, 'test');
  const img = line.image;
  const png = await sharp(Buffer.from(img.data.buffer, img.data.byteOffset, img.data.byteLength), { raw: { width: img.width, height: img.height, channels: 1 } }).png().toBuffer();
  const result = await recognizer.recognize(png, { decoding: values.decoding as Decoding });
  const lineCer = cer(result.text, line.text);
  errors += lineCer * line.text.length;
  chars += line.text.length;
  const marked = diffMarkup(line.text, result.text);
  tiles.push({ input: png, top: y, left: PAD });
  y += img.height + 2;
  for (const [label, body, color] of [['truth', marked.truth, '#495057'], ['read ', marked.read, lineCer === 0 ? '#2b8a3e' : '#c92a2a']] as const) {
    const caption = await text(`<span foreground="${color}">${label} ${body}</span>`, width - 2 * PAD);
    tiles.push({ input: caption.png, top: y, left: PAD });
    y += caption.height;
  }
  const note = await text(`<span foreground="#868e96">${escapeMarkup(`${line.font}, ${line.text.length} chars, ${img.width} px, CER ${lineCer.toFixed(3)}`)}</span>`, width - 2 * PAD);
  tiles.push({ input: note.png, top: y, left: PAD });
  y += note.height + PAD * 2;
}
await sharp({ create: { width, height: y, channels: 3, background: '#ffffff' } }).composite(tiles).png({ compressionLevel: 9, palette: true }).toFile(`${values.out}_samples.png`);
const summary = { lines: Number(values.lines), decoding: values.decoding, cer: errors / Math.max(1, chars), fonts: config.test_fonts };
writeFileSync(`${values.out}_samples.json`, `${JSON.stringify(summary, null, 2)}\n`);
console.log(`${values.out}_samples.png: ${summary.lines} test lines, CER ${summary.cer.toFixed(3)} (${values.decoding})`);
