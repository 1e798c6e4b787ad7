/**
 * Synthetic line number `index` of a split as a pure function of (spec, split
 * fonts, split salt, index): its text, font and style all come from one RNG
 * seeded by those, so any worker renders the same pixels in any order.
 */
import { Rng } from '../../../core/rng.js';
import type { FontFace } from '../fonts.js';
import { loadCorpusPart, type CorpusPart } from '../sentence_generator.js';
import { assertFontIsUsed } from './font_text.js';
import { degradeScan, renderHandwriting, sampleStyle, type HandwritingStyleRanges } from './handwriting_style.js';
import type { Gray8 } from '../../../core/data_types.js';
import { LineTextSource } from './line_text.js';
import { resampleGray } from './scan_ops.js';

/** Plain data (structured-clone safe) so workers can rebuild the source. */
export interface SyntheticLineSpec {
  readonly seed: number;
  /** Height of every rendered line in pixels. */
  readonly height: number;
  /** Widest line in pixels at that height; longer texts lose words at the end. */
  readonly maxWidth: number;
  /** Text length range in characters (labels add <S> and <E>). */
  readonly minLength: number;
  readonly maxLength: number;
  readonly mixedFraction: number;
  readonly structuredFraction: number;
  readonly characters: readonly string[];
  readonly style: HandwritingStyleRanges;
  readonly corpusDir?: string;
  /** Draw each split's text from its own part of the corpus and word lists (see loadCorpusPart). */
  readonly heldOutText: boolean;
}

export interface RenderedLine {
  readonly text: string;
  readonly font: string;
  /** 8-bit scan (dark ink on light paper) at `spec.height`, at its natural width (<= `spec.maxWidth`). */
  readonly image: Gray8;
}

/** A 32-bit seed per (seed, salt, index); integer hashing keeps neighbours unrelated. */
export function mixSeed(seed: number, salt: number, index: number): number {
  let h = (Math.imul(seed | 0, 0x27d4eb2d) ^ salt ^ Math.imul(index + 1, 0x165667b1)) >>> 0;
  h = Math.imul(h ^ (h >>> 15), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

export class SyntheticLineSource {
  private readonly texts = new Map<CorpusPart | 'all', LineTextSource>();

  constructor(readonly spec: SyntheticLineSpec) {}

  /** Text source of a split: its own corpus part and word lists, or all of them. */
  private textSource(part: CorpusPart): LineTextSource {
    const key = this.spec.heldOutText ? part : 'all';
    let source = this.texts.get(key);
    if (!source) {
      source = new LineTextSource({
        mixedFraction: this.spec.mixedFraction,
        structuredFraction: this.spec.structuredFraction,
        characters: this.spec.characters,
        ...(this.spec.corpusDir ? { corpusDir: this.spec.corpusDir } : {}),
        ...(key !== 'all' ? { text: loadCorpusPart(key, this.spec.corpusDir), part: key } : {}),
      });
      this.texts.set(key, source);
    }
    return source;
  }

  async render(fonts: readonly FontFace[], salt: number, index: number, part: CorpusPart): Promise<RenderedLine> {
    // Fonts take turns so every font of a split is equally represented.
    const face = fonts[index % fonts.length] as FontFace;
    await assertFontIsUsed(face);
    const { height, maxWidth } = this.spec;
    const rng = new Rng(mixSeed(this.spec.seed, salt, index));
    let text = this.textSource(part).generate(this.spec.minLength, this.spec.maxLength, rng);
    const style = sampleStyle(rng, this.spec.style, text.split(' '));
    const fieldSeed = rng.fork().getState();
    for (;;) {
      // Fields restart per attempt, so the pixels depend on the final text only.
      const fields = new Rng(fieldSeed);
      const scan = await renderHandwriting(text, face, style, fields);
      const width = Math.round((scan.width * height) / scan.height);
      const shorter = width > maxWidth ? shortenToFit(text, width, maxWidth) : text;
      if (shorter === text) {
        // Aspect kept: the width is the natural one, never squeezed (only a lone glyph wider than maxWidth would be).
        const resized = resampleGray(scan, Math.max(1, Math.min(width, maxWidth)), height);
        return { text, font: face.family, image: await degradeScan(resized, style, fields) };
      }
      text = shorter;
    }
  }
}

/**
 * `text` cut at a word boundary to about the share of characters that fit in
 * `maxWidth` (a little less, since ink per character varies), at least one
 * character shorter; a single word loses characters instead.
 */
export function shortenToFit(text: string, width: number, maxWidth: number): string {
  if (text.length <= 1) return text;
  const keep = Math.min(text.length - 1, Math.floor((text.length * maxWidth * 0.97) / width));
  const cut = text.slice(0, keep + 1).lastIndexOf(' ');
  if (cut > 0) return text.slice(0, cut).trimEnd();
  return text.slice(0, Math.max(1, keep)).trimEnd() || text.slice(0, 1);
}
