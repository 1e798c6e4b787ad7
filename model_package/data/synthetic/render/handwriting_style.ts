/**
 * How much a synthetic line may vary: the ranges (config) and one concrete draw
 * of them (style), plus the pipeline that applies a style to a text in a font:
 * font render with per-word and per-glyph baseline and spacing -> per-word
 * rotation -> slant -> elastic warp -> stroke weight -> crop with margins ->
 * blur -> ink texture -> paper; and, once resized to the line height, paper
 * shading -> noise -> JPEG.
 */
import { z } from 'zod';
import type { Rng } from '../../../core/rng.js';
import type { FontFace } from '../fonts.js';
import { elasticWarp, inkTexture, meanInnerGap, rotateWords } from './distort_ops.js';
import { lineMarkup, renderMarkup, type GlyphOffset, type WordStyle } from './font_text.js';
import type { Gray8 } from '../../../core/data_types.js';
import { cropWithMargins, gaussianBlur, meanStrokeWidth, morph, shear, toScan } from './ink_ops.js';
import { addNoise, jpegRoundTrip, shadePaper } from './scan_ops.js';

const range = (lo: number, hi: number, what: string) =>
  z
    .tuple([z.number(), z.number()])
    .default([lo, hi])
    .refine(([a, b]) => a <= b, 'first value must not exceed the second')
    .describe(`${what}: [min, max], drawn uniformly per line`);

/** Variation ranges; spread into a data config with `.extend(HandwritingStyleShape)`. */
export const HandwritingStyleShape = {
  font_size: range(28, 40, 'font size in pixels before scaling to the line height (a little above it, so lines are downsampled)'),
  slant: range(-0.15, 0.4, 'horizontal shear (x shift per pixel of height; positive leans right)'),
  stroke_steps: range(-1, 1, 'stroke weight change: 3x3 erosions (negative) or dilations (positive), rounded'),
  baseline_jitter: range(0, 0.08, 'per-word baseline shift as a fraction of the font size (random walk step)'),
  letter_spacing: range(-0.03, 0.1, 'extra letter spacing as a fraction of the font size'),
  glyph_jitter: range(0, 0.04, 'per-glyph baseline and spacing std-dev as a fraction of the font size'),
  word_rotation: range(0, 3, 'largest tilt of a word in degrees (each word draws its own angle within +-this)'),
  elastic: range(0, 0.04, 'elastic warp: largest displacement as a fraction of the font size'),
  elastic_scale: range(0.3, 0.8, 'elastic warp: size of its smooth features as a fraction of the font size'),
  ink: range(0.55, 1, 'ink darkness (1 = black)'),
  ink_texture: range(0, 0.3, 'how much strokes fade in patches (pen pressure, drying ink); 0 = even ink'),
  paper: range(0.8, 1, 'paper brightness (1 = white)'),
  paper_texture: range(0, 0.08, 'paper shading and mottling amplitude at the line height, relative brightness'),
  noise: range(0, 0.05, 'pixel noise std-dev in intensity units at the line height'),
  blur: range(0, 1.2, 'Gaussian blur sigma in pixels at font resolution'),
  margin: range(0.02, 0.15, 'paper margin around the ink as a fraction of the font size'),
  jpeg_quality: range(35, 90, 'JPEG quality of the lines that are compressed'),
  jpeg_p: z.number().min(0).max(1).default(0.3).describe('share of lines JPEG-compressed at the line height'),
};
const HandwritingStyleObject = z.object(HandwritingStyleShape);
export type HandwritingStyleRanges = z.infer<typeof HandwritingStyleObject>;

/** One concrete draw of the ranges, for one line. */
export interface HandwritingStyle {
  readonly fontSize: number;
  readonly slant: number;
  readonly strokeSteps: number;
  readonly words: readonly WordStyle[];
  readonly wordRotation: number;
  readonly elastic: number;
  readonly elasticScale: number;
  readonly ink: number;
  readonly inkTexture: number;
  readonly paper: number;
  readonly paperTexture: number;
  readonly noise: number;
  readonly blur: number;
  readonly margins: { top: number; bottom: number; left: number; right: number };
  /** JPEG quality, or undefined for an uncompressed line. */
  readonly jpegQuality: number | undefined;
}

/** Draws a style for a line of `words` (its words' lengths give the per-glyph draws). */
export function sampleStyle(rng: Rng, r: HandwritingStyleRanges, words: readonly string[]): HandwritingStyle {
  const u = (pair: readonly [number, number]) => rng.uniform(pair[0], pair[1]);
  const fontSize = u(r.font_size);
  const jitter = u(r.baseline_jitter) * fontSize;
  const spacing = u(r.letter_spacing) * fontSize;
  const glyphJitter = u(r.glyph_jitter) * fontSize;
  const wordStyles: WordStyle[] = [];
  let rise = 0;
  for (const word of words) {
    // A damped random walk: words drift up and down but the line stays level overall.
    rise = 0.6 * rise + jitter * rng.normal();
    const glyphs: GlyphOffset[] | undefined = glyphJitter > 0 ? Array.from(word, () => ({ rise: glyphJitter * rng.normal(), letterSpacing: 0.5 * glyphJitter * rng.normal() })) : undefined;
    wordStyles.push({ rise, letterSpacing: spacing + 0.02 * fontSize * rng.normal(), ...(glyphs ? { glyphs } : {}) });
  }
  const margin = () => Math.round(u(r.margin) * fontSize);
  return {
    fontSize,
    slant: u(r.slant),
    strokeSteps: Math.round(u(r.stroke_steps)),
    words: wordStyles,
    wordRotation: u(r.word_rotation),
    elastic: u(r.elastic) * fontSize,
    elasticScale: u(r.elastic_scale) * fontSize,
    ink: u(r.ink),
    inkTexture: u(r.ink_texture),
    paper: u(r.paper),
    paperTexture: u(r.paper_texture),
    noise: u(r.noise),
    blur: u(r.blur),
    margins: { top: margin(), bottom: margin(), left: margin(), right: margin() },
    jpegQuality: rng.next() < r.jpeg_p ? u(r.jpeg_quality) : undefined,
  };
}

/**
 * Renders `text` in `face` with `style` as an 8-bit scan at font resolution
 * (dark ink on light paper, no noise yet). `rng` draws the random fields.
 */
export async function renderHandwriting(text: string, face: FontFace, style: HandwritingStyle, rng: Rng): Promise<Gray8> {
  const markup = lineMarkup(text, (i) => style.words[i] ?? { rise: 0, letterSpacing: 0 });
  let ink = await renderMarkup(markup, face, style.fontSize);
  // Erosion would wipe out a thin pen's strokes, so thin fonts only get thicker; and
  // dilation (2 px less gap per step) would close the counters of bold or narrow fonts.
  // Measured on the upright render: slant and warps blur the runs.
  const stroke = meanStrokeWidth(ink);
  const thinned = style.strokeSteps < 0 && stroke < 4;
  const clogged = style.strokeSteps > 0 && meanInnerGap(ink) - 2 * style.strokeSteps < Math.max(3, stroke);
  const steps = thinned || clogged ? 0 : style.strokeSteps;
  // A word space is about a quarter of the font size; letters of one word sit closer.
  ink = rotateWords(ink, style.wordRotation, Math.max(2, Math.round(style.fontSize * 0.12)), rng);
  ink = shear(ink, style.slant, Math.round(ink.height * 0.75));
  // Warps and blurs under 0.3 px would not show after downsampling; skipping them saves the passes.
  ink = style.elastic < 0.3 ? ink : elasticWarp(ink, style.elastic, style.elasticScale, rng);
  ink = morph(ink, steps);
  ink = cropWithMargins(ink, style.margins);
  ink = style.blur < 0.3 ? ink : gaussianBlur(ink, style.blur);
  ink = inkTexture(ink, style.inkTexture, style.fontSize * 0.4, rng);
  return toScan(ink, { ink: style.ink, paper: style.paper, noise: 0, normal: () => 0 });
}

/** What the camera adds once the scan has its final size: paper shading, noise, JPEG. */
export async function degradeScan(scan: Gray8, style: HandwritingStyle, rng: Rng): Promise<Gray8> {
  let out = shadePaper(scan, style.paperTexture, rng);
  out = addNoise(out, style.noise, rng);
  return style.jpegQuality === undefined ? out : jpegRoundTrip(out, style.jpegQuality);
}
