/**
 * A picture of what SyntheticLines renders: for each split, N of its lines
 * (the dataset's lines 0, 7, 14, ...) at their natural width with font, length,
 * width and label printed above, written to
 * docs/images/synthetic_lines_<split>.png. Uses the default config (or the
 * given seed), so the pictures show the data a default run trains on.
 *
 *   npx tsx bench/synthetic_samples.ts [--lines 12] [--seed 0] [--out docs/images]
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import sharp, { type OverlayOptions } from 'sharp';
import { escapeMarkup } from '../model_package/data/synthetic/render/font_text.js';
import { SyntheticLineSource, type RenderedLine } from '../model_package/data/synthetic/render/synthetic_line_source.js';
import { discoverFonts, selectFonts } from '../model_package/data/synthetic/fonts.js';
import { SPLIT_SALT, SyntheticLines, SyntheticLinesConfig, type SplitName } from '../model_package/data/synthetic/synthetic_lines.js';

const { values } = parseArgs({ options: { lines: { type: 'string', default: '12' }, seed: { type: 'string', default: '0' }, out: { type: 'string', default: 'docs/images' } } });
const count = Number(values.lines);
const config = SyntheticLinesConfig.parse({ seed: Number(values.seed), num_workers: 0 });
const source = new SyntheticLineSource(new SyntheticLines(config).spec());
const all = discoverFonts(config.font_dir);
const splits: SplitName[] = ['train', 'val', 'test'];
const fonts = { train: config.train_fonts, val: config.val_fonts, test: config.test_fonts };
// Lines 0, 7, 14, ... of each split: 7 shares no factor with the font counts, so consecutive picks use different fonts.
const rendered: RenderedLine[][] = [];
for (const split of splits) {
  const faces = selectFonts(all, fonts[split], `data.${split}_fonts`);
  rendered.push(await Promise.all(Array.from({ length: count }, (_, i) => source.render(faces, SPLIT_SALT[split], i * 7, split))));
}

const PAD = 8;
const canvasWidth = config.max_width + 2 * PAD;
mkdirSync(values.out as string, { recursive: true });
for (const [k, split] of splits.entries()) {
  const tiles: OverlayOptions[] = [];
  let y = PAD;
  for (const line of rendered[k] as RenderedLine[]) {
    const caption = `${line.font} | ${line.text.length} chars | ${line.image.width} px | ${line.text}`;
    const label = await sharp({ text: { text: `<span foreground="#1a4f9c">${escapeMarkup(caption)}</span>`, font: 'sans 11', dpi: 72, width: canvasWidth - 2 * PAD, rgba: true } }).png().toBuffer();
    const labelHeight = (await sharp(label).metadata()).height ?? 14;
    tiles.push({ input: label, top: y, left: PAD });
    y += labelHeight + 2;
    const img = line.image;
    const png = await sharp(Buffer.from(img.data.buffer, img.data.byteOffset, img.data.byteLength), { raw: { width: img.width, height: img.height, channels: 1 } }).png().toBuffer();
    tiles.push({ input: png, top: y, left: PAD });
    y += img.height + PAD;
  }
  // A faint frame shows where max_width ends.
  const frame = Buffer.from(`<svg width="${canvasWidth}" height="${y}"><line x1="${PAD + config.max_width}" y1="0" x2="${PAD + config.max_width}" y2="${y}" stroke="#d33" stroke-width="1" stroke-dasharray="4 4"/></svg>`);
  const file = join(values.out as string, `synthetic_lines_${split}.png`);
  await sharp({ create: { width: canvasWidth, height: y, channels: 3, background: '#ffffff' } })
    .composite([{ input: frame, top: 0, left: 0 }, ...tiles])
    .png({ compressionLevel: 9, palette: true })
    .toFile(file);
  console.log(`${file}: ${count} lines, fonts ${fonts[split].join(', ')}`);
}
