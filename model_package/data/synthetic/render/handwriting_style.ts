/**
 * How much a synthetic line may vary: the ranges (config) and one concrete draw
 * of them (style), plus the pipeline that applies a style to a text in a font:
 * font render -> slant -> stroke weight -> crop with margins -> blur -> paper.
 */
import { z } from 'zod';
import type { Rng } from '../../../core/rng.js';
import type { FontFace } from '../fonts.js';
import { lineMarkup, renderMarkup, type WordStyle } from './font_text.js';
import type { Gray8 } from '../../../core/data_types.js';
import { cropWithMargins, gaussianBlur, meanStrokeWidth, morph, shear, toScan } from './ink_ops.js';

const range = (lo: number, hi: number, what: string) =>
  z
    .tuple([z.number(), z.number()])
    .default([lo, hi])
    .refine(([a, b]) => a <= b, 'first value must not exceed the second')
    .describe(`${what}: [min, max], drawn uniformly per line`);

/** Variation ranges; spread into a data config with `.extend(HandwritingStyleShape)`. */
export const HandwritingStyleShape = {
  font_size: range(34, 50, 'font size in pixels before scaling to the line height'),
  slant: range(-0.15, 0.4, 'horizontal shear (x shift per pixel of height; positive leans right)'),
  stroke_steps: range(-1, 1, 'stroke weight change: 3x3 erosions (negative) or dilations (positive), rounded'),
  baseline_jitter: range(0, 0.08, 'per-word baseline shift as a fraction of the font size (random walk step)'),
  letter_spacing: range(-0.03, 0.1, 'extra letter spacing as a fraction of the font size'),
  ink: range(0.55, 1, 'ink darkness (1 = black)'),
  paper: range(0.8, 1, 'paper brightness (1 = white)'),
  noise: range(0, 0.06, 'paper noise std-dev in intensity units'),
  blur: range(0, 1.2, 'Gaussian blur sigma in pixels at font resolution'),
  margin: range(0.02, 0.15, 'paper margin around the ink as a fraction of the font size'),
};
const HandwritingStyleObject = z.object(HandwritingStyleShape);
export type HandwritingStyleRanges = z.infer<typeof HandwritingStyleObject>;

/** One concrete draw of the ranges, for one line. */
export interface HandwritingStyle {
  readonly fontSize: number;
  readonly slant: number;
  readonly strokeSteps: number;
  readonly words: readonly WordStyle[];
  readonly ink: number;
  readonly paper: number;
  readonly noise: number;
  readonly blur: number;
  readonly margins: { top: number; bottom: number; left: number; right: number };
}

export function sampleStyle(rng: Rng, r: HandwritingStyleRanges, numWords: number): HandwritingStyle {
  const u = (pair: readonly [number, number]) => rng.uniform(pair[0], pair[1]);
  const fontSize = u(r.font_size);
  const jitter = u(r.baseline_jitter) * fontSize;
  const spacing = u(r.letter_spacing) * fontSize;
  const words: WordStyle[] = [];
  let rise = 0;
  for (let i = 0; i < numWords; i++) {
    // A damped random walk: words drift up and down but the line stays level overall.
    rise = 0.6 * rise + jitter * rng.normal();
    words.push({ rise, letterSpacing: spacing + 0.02 * fontSize * rng.normal() });
  }
  const margin = () => Math.round(u(r.margin) * fontSize);
  return {
    fontSize,
    slant: u(r.slant),
    strokeSteps: Math.round(u(r.stroke_steps)),
    words,
    ink: u(r.ink),
    paper: u(r.paper),
    noise: u(r.noise),
    blur: u(r.blur),
    margins: { top: margin(), bottom: margin(), left: margin(), right: margin() },
  };
}

/** Renders `text` in `face` with `style` as an 8-bit scan (dark ink on light paper). */
export async function renderHandwriting(text: string, face: FontFace, style: HandwritingStyle, normal: () => number): Promise<Gray8> {
  const markup = lineMarkup(text, (i) => style.words[i] ?? { rise: 0, letterSpacing: 0 });
  let ink = await renderMarkup(markup, face, style.fontSize);
  ink = shear(ink, style.slant, Math.round(ink.height * 0.75));
  // Erosion would wipe out a thin pen's strokes, so thin fonts only get thicker.
  const steps = style.strokeSteps < 0 && meanStrokeWidth(ink) < 4 ? 0 : style.strokeSteps;
  ink = morph(ink, steps);
  ink = cropWithMargins(ink, style.margins);
  ink = gaussianBlur(ink, style.blur);
  return toScan(ink, { ink: style.ink, paper: style.paper, noise: style.noise, normal });
}
