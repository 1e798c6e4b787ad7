/**
 * Synthetic line number `index` of a split as a pure function of (spec, split
 * fonts, split salt, index): its text, font and style all come from one RNG
 * seeded by those, so any worker renders the same pixels in any order.
 */
import { resizeGray } from '../../../preprocess/line_image.js';
import { Rng } from '../../../core/rng.js';
import type { FontFace } from '../fonts.js';
import { loadCorpusPart, type CorpusPart } from '../sentence_generator.js';
import { assertFontIsUsed } from './font_text.js';
import { renderHandwriting, sampleStyle, type HandwritingStyleRanges } from './handwriting_style.js';
import type { Gray8 } from '../../../core/data_types.js';
import { LineTextSource } from './line_text.js';

/** Plain data (structured-clone safe) so workers can rebuild the source. */
export interface SyntheticLineSpec {
  readonly seed: number;
  readonly height: number;
  readonly width: number;
  /** Longest text in characters (labels add <S> and <E>). */
  readonly maxLength: number;
  readonly mixedFraction: number;
  readonly characters: readonly string[];
  readonly style: HandwritingStyleRanges;
  readonly corpusDir?: string;
  /** Draw each split's text from its own part of the corpus (see loadCorpusPart). */
  readonly heldOutText: boolean;
}

export interface RenderedLine {
  readonly text: string;
  readonly font: string;
  /** 8-bit scan (dark ink on light paper) already resized to `spec.height`, width <= `spec.width`. */
  readonly image: Gray8;
}

/** A 32-bit seed per (seed, salt, index); integer hashing keeps neighbours unrelated. */
export function mixSeed(seed: number, salt: number, index: number): number {
  let h = (Math.imul(seed | 0, 0x27d4eb2d) ^ salt ^ Math.imul(index + 1, 0x165667b1)) >>> 0;
  h = Math.imul(h ^ (h >>> 15), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

/** Widest squeeze accepted before a line's last words are dropped and it is rendered again. */
const MAX_SQUEEZE = 1.1;

export class SyntheticLineSource {
  private readonly texts = new Map<CorpusPart | 'all', LineTextSource>();

  constructor(readonly spec: SyntheticLineSpec) {}

  /** Text source of a split: its own corpus part, or the whole corpus. */
  private textSource(part: CorpusPart): LineTextSource {
    const key = this.spec.heldOutText ? part : 'all';
    let source = this.texts.get(key);
    if (!source) {
      source = new LineTextSource({
        mixedFraction: this.spec.mixedFraction,
        characters: this.spec.characters,
        ...(this.spec.corpusDir ? { corpusDir: this.spec.corpusDir } : {}),
        ...(key !== 'all' ? { text: loadCorpusPart(key, this.spec.corpusDir) } : {}),
      });
      this.texts.set(key, source);
    }
    return source;
  }

  async render(fonts: readonly FontFace[], salt: number, index: number, part: CorpusPart): Promise<RenderedLine> {
    // Fonts take turns so every font of a split is equally represented.
    const face = fonts[index % fonts.length] as FontFace;
    await assertFontIsUsed(face);
    const rng = new Rng(mixSeed(this.spec.seed, salt, index));
    let text = this.textSource(part).generate(this.spec.maxLength, rng);
    const style = sampleStyle(rng, this.spec.style, text.split(' ').length);
    const noiseRng = rng.fork();
    for (let attempt = 0; ; attempt++) {
      const scan = await renderHandwriting(text, face, style, () => noiseRng.normal());
      const scaledWidth = (scan.width * this.spec.height) / scan.height;
      const words = text.split(' ');
      if (scaledWidth <= this.spec.width * MAX_SQUEEZE || words.length < 2 || attempt >= 3) {
        const image = await resizeGray(scan, this.spec.height, this.spec.width);
        return { text, font: face.family, image };
      }
      // Keep the words that fit at the current width per character, at least one fewer.
      const keepChars = Math.floor((text.length * this.spec.width) / scaledWidth);
      let kept = words.length - 1;
      while (kept > 1 && words.slice(0, kept).join(' ').length > keepChars) kept--;
      text = words.slice(0, kept).join(' ');
    }
  }
}
