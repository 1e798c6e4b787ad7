/**
 * BitmapLines: a tiny, instant, fully deterministic line dataset drawn with a
 * built-in 5x7 bitmap font (the HD44780 character set), scaled and jittered.
 * It needs no files, fonts or downloads, so CI smoke runs and trainer tests use
 * it the way Lightning uses BoringDataModule; it is real data, not a mock.
 *
 * Sample i of a split is a pure function of (seed, split, i): text, scale, per-
 * character offsets and ink strength all come from one seeded Rng.
 */
import { z } from 'zod';
import { htrError } from '../../errors.js';
import { Rng } from '../../core/rng.js';
import { BaseDataConfig, BaseDataModule, type Splits } from '../base_data_module.js';
import { buildMapping } from '../../core/tokenizer.js';
import type { DataConfig, Dataset, GrayImage, Sample, Stage } from '../../core/data_types.js';

const GLYPH_W = 5;
const GLYPH_H = 7;

/** 7 rows per glyph, 5 bits per row, most significant bit leftmost. */
const GLYPHS: Readonly<Record<string, readonly number[]>> = {
  '0': [0x0e, 0x11, 0x13, 0x15, 0x19, 0x11, 0x0e], '1': [0x04, 0x0c, 0x04, 0x04, 0x04, 0x04, 0x0e],
  '2': [0x0e, 0x11, 0x01, 0x02, 0x04, 0x08, 0x1f], '3': [0x1f, 0x02, 0x04, 0x02, 0x01, 0x11, 0x0e],
  '4': [0x02, 0x06, 0x0a, 0x12, 0x1f, 0x02, 0x02], '5': [0x1f, 0x10, 0x1e, 0x01, 0x01, 0x11, 0x0e],
  '6': [0x06, 0x08, 0x10, 0x1e, 0x11, 0x11, 0x0e], '7': [0x1f, 0x01, 0x02, 0x04, 0x08, 0x08, 0x08],
  '8': [0x0e, 0x11, 0x11, 0x0e, 0x11, 0x11, 0x0e], '9': [0x0e, 0x11, 0x11, 0x0f, 0x01, 0x02, 0x0c],
  A: [0x0e, 0x11, 0x11, 0x11, 0x1f, 0x11, 0x11], B: [0x1e, 0x11, 0x11, 0x1e, 0x11, 0x11, 0x1e],
  C: [0x0e, 0x11, 0x10, 0x10, 0x10, 0x11, 0x0e], D: [0x1c, 0x12, 0x11, 0x11, 0x11, 0x12, 0x1c],
  E: [0x1f, 0x10, 0x10, 0x1e, 0x10, 0x10, 0x1f], F: [0x1f, 0x10, 0x10, 0x1e, 0x10, 0x10, 0x10],
  G: [0x0e, 0x11, 0x10, 0x17, 0x11, 0x11, 0x0f], H: [0x11, 0x11, 0x11, 0x1f, 0x11, 0x11, 0x11],
  I: [0x0e, 0x04, 0x04, 0x04, 0x04, 0x04, 0x0e], J: [0x07, 0x02, 0x02, 0x02, 0x02, 0x12, 0x0c],
  K: [0x11, 0x12, 0x14, 0x18, 0x14, 0x12, 0x11], L: [0x10, 0x10, 0x10, 0x10, 0x10, 0x10, 0x1f],
  M: [0x11, 0x1b, 0x15, 0x15, 0x11, 0x11, 0x11], N: [0x11, 0x11, 0x19, 0x15, 0x13, 0x11, 0x11],
  O: [0x0e, 0x11, 0x11, 0x11, 0x11, 0x11, 0x0e], P: [0x1e, 0x11, 0x11, 0x1e, 0x10, 0x10, 0x10],
  Q: [0x0e, 0x11, 0x11, 0x11, 0x15, 0x12, 0x0d], R: [0x1e, 0x11, 0x11, 0x1e, 0x14, 0x12, 0x11],
  S: [0x0f, 0x10, 0x10, 0x0e, 0x01, 0x01, 0x1e], T: [0x1f, 0x04, 0x04, 0x04, 0x04, 0x04, 0x04],
  U: [0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x0e], V: [0x11, 0x11, 0x11, 0x11, 0x11, 0x0a, 0x04],
  W: [0x11, 0x11, 0x11, 0x15, 0x15, 0x15, 0x0a], X: [0x11, 0x11, 0x0a, 0x04, 0x0a, 0x11, 0x11],
  Y: [0x11, 0x11, 0x11, 0x0a, 0x04, 0x04, 0x04], Z: [0x1f, 0x01, 0x02, 0x04, 0x08, 0x10, 0x1f],
  a: [0x00, 0x00, 0x0e, 0x01, 0x0f, 0x11, 0x0f], b: [0x10, 0x10, 0x16, 0x19, 0x11, 0x11, 0x1e],
  c: [0x00, 0x00, 0x0e, 0x10, 0x10, 0x11, 0x0e], d: [0x01, 0x01, 0x0d, 0x13, 0x11, 0x11, 0x0f],
  e: [0x00, 0x00, 0x0e, 0x11, 0x1f, 0x10, 0x0e], f: [0x06, 0x09, 0x08, 0x1c, 0x08, 0x08, 0x08],
  g: [0x00, 0x0f, 0x11, 0x11, 0x0f, 0x01, 0x0e], h: [0x10, 0x10, 0x16, 0x19, 0x11, 0x11, 0x11],
  i: [0x04, 0x00, 0x0c, 0x04, 0x04, 0x04, 0x0e], j: [0x02, 0x00, 0x06, 0x02, 0x02, 0x12, 0x0c],
  k: [0x10, 0x10, 0x12, 0x14, 0x18, 0x14, 0x12], l: [0x0c, 0x04, 0x04, 0x04, 0x04, 0x04, 0x0e],
  m: [0x00, 0x00, 0x1a, 0x15, 0x15, 0x11, 0x11], n: [0x00, 0x00, 0x16, 0x19, 0x11, 0x11, 0x11],
  o: [0x00, 0x00, 0x0e, 0x11, 0x11, 0x11, 0x0e], p: [0x00, 0x00, 0x1e, 0x11, 0x1e, 0x10, 0x10],
  q: [0x00, 0x00, 0x0d, 0x13, 0x0f, 0x01, 0x01], r: [0x00, 0x00, 0x16, 0x19, 0x10, 0x10, 0x10],
  s: [0x00, 0x00, 0x0e, 0x10, 0x0e, 0x01, 0x1e], t: [0x08, 0x08, 0x1c, 0x08, 0x08, 0x09, 0x06],
  u: [0x00, 0x00, 0x11, 0x11, 0x11, 0x13, 0x0d], v: [0x00, 0x00, 0x11, 0x11, 0x11, 0x0a, 0x04],
  w: [0x00, 0x00, 0x11, 0x11, 0x15, 0x15, 0x0a], x: [0x00, 0x00, 0x11, 0x0a, 0x04, 0x0a, 0x11],
  y: [0x00, 0x00, 0x11, 0x11, 0x0f, 0x01, 0x0e], z: [0x00, 0x00, 0x1f, 0x02, 0x04, 0x08, 0x1f],
  ' ': [0, 0, 0, 0, 0, 0, 0], '!': [0x04, 0x04, 0x04, 0x04, 0x00, 0x00, 0x04],
  '"': [0x0a, 0x0a, 0x0a, 0x00, 0x00, 0x00, 0x00], '#': [0x0a, 0x0a, 0x1f, 0x0a, 0x1f, 0x0a, 0x0a],
  '&': [0x0c, 0x12, 0x14, 0x08, 0x15, 0x12, 0x0d], "'": [0x04, 0x04, 0x04, 0x00, 0x00, 0x00, 0x00],
  '(': [0x02, 0x04, 0x08, 0x08, 0x08, 0x04, 0x02], ')': [0x08, 0x04, 0x02, 0x02, 0x02, 0x04, 0x08],
  '*': [0x00, 0x04, 0x15, 0x0e, 0x15, 0x04, 0x00], '+': [0x00, 0x04, 0x04, 0x1f, 0x04, 0x04, 0x00],
  ',': [0x00, 0x00, 0x00, 0x00, 0x0c, 0x04, 0x08], '-': [0x00, 0x00, 0x00, 0x1f, 0x00, 0x00, 0x00],
  '.': [0x00, 0x00, 0x00, 0x00, 0x00, 0x0c, 0x0c], '/': [0x00, 0x01, 0x02, 0x04, 0x08, 0x10, 0x00],
  ':': [0x00, 0x0c, 0x0c, 0x00, 0x0c, 0x0c, 0x00], ';': [0x00, 0x0c, 0x0c, 0x00, 0x0c, 0x04, 0x08],
  '?': [0x0e, 0x11, 0x01, 0x02, 0x04, 0x00, 0x04],
};

/** Every character the built-in font can draw. */
export const BITMAP_FONT_CHARACTERS: readonly string[] = Object.keys(GLYPHS);

export const BitmapLinesConfig = BaseDataConfig.extend({
  height: z.number().int().min(GLYPH_H).default(28).describe('image height in pixels'),
  width: z.number().int().positive().default(128).describe('image width in pixels'),
  alphabet: z
    .string()
    .default('0123456789abcdefghijklmnopqrstuvwxyz ')
    .describe('characters lines are drawn from (a space separates words); each needs a glyph in the font'),
  min_length: z.number().int().positive().default(1).describe('fewest characters per line'),
  max_length: z.number().int().positive().default(10).describe('most characters per line (labels hold max_length + 2 tokens)'),
  min_scale: z.number().int().positive().default(2).describe('smallest integer glyph scale (5x7 pixels times this)'),
  max_scale: z.number().int().positive().default(3).describe('largest glyph scale; a line uses the largest that fits or a smaller one'),
  num_train: z.number().int().min(0).default(256).describe('train lines'),
  num_val: z.number().int().min(0).default(32).describe('validation lines'),
  num_test: z.number().int().min(0).default(32).describe('test lines'),
  seed: z.number().int().default(0).describe('seed of the line texts and their rendering'),
});
export type BitmapLinesConfig = z.infer<typeof BitmapLinesConfig>;

const SPLIT_SALT = { train: 0x9e3779b1, val: 0x85ebca77, test: 0xc2b2ae3d } as const;

export class BitmapLines extends BaseDataModule {
  private readonly config: BitmapLinesConfig;
  private readonly chars: string[];

  constructor(config: BitmapLinesConfig) {
    super(config);
    this.config = config;
    this.chars = [...new Set(Array.from(config.alphabet))];
    validate(config, this.chars);
  }

  async prepareData(): Promise<void> {
    // Nothing to download or cache: every sample is drawn on demand.
  }

  async setup(_stage: Stage): Promise<void> {
    if (this.splits) return;
    const c = this.config;
    const splits: Splits = {
      train: this.split('train', c.num_train),
      val: this.split('val', c.num_val),
      test: this.split('test', c.num_test),
    };
    this.splits = splits;
  }

  dataConfig(): DataConfig {
    const c = this.config;
    return { inputDims: [1, c.height, c.width], outputDims: [c.max_length + 2], mapping: buildMapping(this.chars) };
  }

  override properties(): Record<string, unknown> {
    return { ...super.properties(), alphabet_size: this.chars.length, font: 'built-in 5x7 bitmap' };
  }

  /** Sample `index` of `split`, the same on every call and machine. */
  sample(split: keyof typeof SPLIT_SALT, index: number): Sample {
    const rng = new Rng(mixSeed(this.config.seed, SPLIT_SALT[split], index));
    const text = randomText(rng, this.chars, this.config.min_length, this.config.max_length);
    return { image: renderLine(text, rng, this.config), text, id: `bitmap-${split}-${index}` };
  }

  private split(split: keyof typeof SPLIT_SALT, length: number): Dataset {
    return { length, get: (i) => this.sample(split, i) };
  }
}

function validate(c: BitmapLinesConfig, chars: readonly string[]): void {
  const missing = chars.filter((ch) => !(ch in GLYPHS));
  if (missing.length > 0) {
    throw htrError('HTR_ERR_CONFIG_INVALID', { key: 'data.alphabet', reason: `no glyph for ${JSON.stringify(missing.join(''))}; the font has ${JSON.stringify(BITMAP_FONT_CHARACTERS.join(''))}` });
  }
  if (chars.filter((ch) => ch !== ' ').length === 0) {
    throw htrError('HTR_ERR_CONFIG_INVALID', { key: 'data.alphabet', reason: 'needs at least one non-space character' });
  }
  if (c.min_length > c.max_length) {
    throw htrError('HTR_ERR_CONFIG_INVALID', { key: 'data.min_length', reason: `min_length ${c.min_length} > max_length ${c.max_length}` });
  }
  if (c.min_scale > c.max_scale) {
    throw htrError('HTR_ERR_CONFIG_INVALID', { key: 'data.min_scale', reason: `min_scale ${c.min_scale} > max_scale ${c.max_scale}` });
  }
  if (GLYPH_H * c.min_scale > c.height) {
    throw htrError('HTR_ERR_CONFIG_INVALID', { key: 'data.height', reason: `glyphs at scale ${c.min_scale} are ${GLYPH_H * c.min_scale} px tall` });
  }
  const need = c.max_length * (GLYPH_W + 1) * c.min_scale + 2;
  if (need > c.width) {
    throw htrError('HTR_ERR_CONFIG_INVALID', { key: 'data.width', reason: `${c.max_length} characters at scale ${c.min_scale} need ${need} px, width is ${c.width}` });
  }
}

/** A 32-bit seed per (seed, split, index); integer hashing keeps neighbours unrelated. */
function mixSeed(seed: number, salt: number, index: number): number {
  let h = (Math.imul(seed | 0, 0x27d4eb2d) ^ salt ^ Math.imul(index + 1, 0x165667b1)) >>> 0;
  h = Math.imul(h ^ (h >>> 15), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

/** Words of non-space characters joined by single spaces (when space is in the alphabet). */
function randomText(rng: Rng, chars: readonly string[], minLength: number, maxLength: number): string {
  const letters = chars.filter((ch) => ch !== ' ');
  const spaces = letters.length < chars.length;
  const length = rng.int(minLength, maxLength);
  let text = '';
  let wordLeft = rng.int(1, 6);
  while (text.length < length) {
    const canSpace = spaces && text.length > 0 && text.length < length - 1 && !text.endsWith(' ');
    if (canSpace && wordLeft <= 0) {
      text += ' ';
      wordLeft = rng.int(1, 6);
    } else {
      text += rng.pick(letters);
      wordLeft--;
    }
  }
  return text;
}

/** Draws `text` left-aligned at a random integer scale with per-glyph jitter; ink is high. */
function renderLine(text: string, rng: Rng, c: BitmapLinesConfig): GrayImage {
  const { height, width } = c;
  const data = new Float32Array(height * width);
  const n = text.length;
  // Largest scale whose glyphs fit both ways; then pick any allowed scale up to it.
  let maxFit = c.min_scale;
  for (let s = c.max_scale; s > c.min_scale; s--) {
    if (GLYPH_H * s <= height && n * (GLYPH_W + 1) * s + 2 <= width) {
      maxFit = s;
      break;
    }
  }
  const scale = rng.int(c.min_scale, maxFit);
  const glyphH = GLYPH_H * scale;
  const advance = (GLYPH_W + 1) * scale;
  // Horizontal slack is shared between a left margin and extra letter spacing.
  const slack = width - n * advance - 1;
  const extraGap = n > 1 ? Math.min(scale, Math.floor(rng.next() * (slack / 2 / (n - 1) + 1))) : 0;
  let x = rng.int(1, Math.max(1, Math.min(4 * scale, slack - extraGap * (n - 1))));
  const baseY = rng.int(0, height - glyphH);
  const ink = rng.uniform(0.7, 1);
  for (const ch of text) {
    const rows = GLYPHS[ch] as readonly number[];
    const dy = Math.max(0, Math.min(height - glyphH, baseY + rng.int(-1, 1)));
    const strength = ink * rng.uniform(0.85, 1);
    for (let r = 0; r < GLYPH_H; r++) {
      const bits = rows[r] as number;
      if (bits === 0) continue;
      for (let col = 0; col < GLYPH_W; col++) {
        if (((bits >> (GLYPH_W - 1 - col)) & 1) === 0) continue;
        fillBlock(data, width, x + col * scale, dy + r * scale, scale, strength);
      }
    }
    x += advance + extraGap;
  }
  return { data, height, width };
}

function fillBlock(data: Float32Array, width: number, x0: number, y0: number, size: number, value: number): void {
  for (let y = y0; y < y0 + size; y++) {
    for (let x = x0; x < x0 + size && x < width; x++) data[y * width + x] = value;
  }
}
