/**
 * Texts for synthetic lines, each a pure function of the RNG it is given:
 *
 * - a length target between min and max (half the lines uniform over the
 *   range, half from a triangle peaking in its middle, so every length occurs
 *   and medium lines are the most common);
 * - then a kind: form-like lines of names, dates, amounts, addresses and
 *   references (`structuredFraction`), else corpus prose, a third of it from a
 *   sentence start, of which `mixedFraction` gets numbers, capitals and symbols
 *   swapped in. Prose alone hardly contains digits or rare capitals, and a
 *   recognizer never shown a glyph cannot learn it.
 */
import { Rng } from '../../../core/rng.js';
import { SentenceGenerator, type CorpusPart } from '../sentence_generator.js';
import { StructuredText } from './structured_text.js';

const DIGITS = '0123456789';
const NUMBER_SHAPES = ['d', 'dd', 'ddd', 'dddd', 'd.d', 'dd.dd', 'd,ddd', 'dd:dd', 'd/d', 'dd/dd/dd', '(d)', '#d', 'd+d', 'd*d', '-dd'];
/** Share of prose lines that begin where a sentence begins. */
const FROM_SENTENCE_START = 0.35;

export interface LineTextOptions {
  /** Share of prose lines with mixed-in numbers, capitals and symbols, in [0, 1]. */
  readonly mixedFraction: number;
  /** Share of lines built from names, dates, amounts, addresses..., in [0, 1]. */
  readonly structuredFraction: number;
  /** The vocabulary (space and newline aside): every text stays within it. */
  readonly characters: readonly string[];
  readonly corpusDir?: string;
  /** Text to draw prose from instead of the whole corpus (e.g. one split's part). */
  readonly text?: string;
  /** Split whose share of names, streets and towns structured lines use (all when undefined). */
  readonly part?: CorpusPart;
}

/** A length in [min, max]: half uniform, half triangular around the middle. */
export function sampleLength(min: number, max: number, rng: Rng): number {
  const u = rng.next() < 0.5 ? rng.next() : (rng.next() + rng.next()) / 2;
  return Math.min(max, min + Math.floor(u * (max - min + 1)));
}

export class LineTextSource {
  private readonly sentences: SentenceGenerator;
  private readonly structured: StructuredText;
  private readonly symbols: string[];
  private readonly digits: string[];
  private readonly shapes: string[];

  constructor(private readonly opts: LineTextOptions) {
    this.sentences = new SentenceGenerator({ maxLength: 1000, rng: new Rng(0), characters: opts.characters, ...(opts.corpusDir ? { corpusDir: opts.corpusDir } : {}), ...(opts.text !== undefined ? { text: opts.text } : {}) });
    this.structured = new StructuredText(opts.characters, opts.part);
    this.symbols = opts.characters.filter((c) => c.trim() !== '' && c !== '\n');
    const allowed = new Set(opts.characters);
    this.digits = [...DIGITS].filter((d) => allowed.has(d));
    this.shapes = NUMBER_SHAPES.filter((shape) => [...shape].every((c) => c === 'd' || allowed.has(c)));
  }

  /** A line of `minLength`..`maxLength` characters, drawn with `rng`; never starts or ends with a space. */
  generate(minLength: number, maxLength: number, rng: Rng): string {
    const min = Math.max(1, Math.min(minLength, maxLength));
    const target = sampleLength(min, maxLength, rng);
    let text: string;
    if (rng.next() < this.opts.structuredFraction) {
      text = this.structured.line(target, maxLength, rng);
    } else {
      text = this.sentences.snippet(min, target, rng, rng.next() < FROM_SENTENCE_START);
      if (rng.next() < this.opts.mixedFraction) text = this.mix(text, min, maxLength, rng);
    }
    return this.lengthen(text, min, maxLength, rng);
  }

  /** Swaps some words for numbers, capitals or symbols; keeps `text` if the result leaves the length range. */
  private mix(text: string, min: number, max: number, rng: Rng): string {
    const mixed = text
      .split(' ')
      .map((w) => (rng.next() < 0.4 ? this.mutate(w, rng) : w))
      .join(' ');
    return mixed.length >= min && mixed.length <= max ? mixed : text;
  }

  /** Appends prose until `text` has `min` characters (a rare fix-up for short draws). */
  private lengthen(text: string, min: number, max: number, rng: Rng): string {
    let out = text;
    for (let i = 0; out.length < min && i < 8; i++) {
      const room = max - out.length - (out === '' ? 0 : 1);
      if (room < 1) break;
      const more = this.sentences.snippet(Math.min(room, min - out.length), room, rng);
      out = out === '' ? more : `${out} ${more}`;
    }
    // Last resort so the bound always holds: digits glued to the end.
    while (out.length < min) out += rng.pick(this.digits.length > 0 ? this.digits : this.symbols);
    return out;
  }

  private mutate(word: string, rng: Rng): string {
    const kind = rng.int(0, 3);
    if (kind === 0 && this.digits.length > 0 && this.shapes.length > 0) return this.number(rng);
    if (kind === 1) return this.keepAllowed(word.toUpperCase(), word);
    if (kind === 2) return this.keepAllowed(word.charAt(0).toUpperCase() + word.slice(1), word);
    const len = rng.int(1, 6);
    let s = '';
    for (let i = 0; i < len; i++) s += rng.pick(this.symbols);
    return s;
  }

  private number(rng: Rng): string {
    return rng.pick(this.shapes).replace(/d/g, () => rng.pick(this.digits));
  }

  /** `changed` if every character is in the vocabulary, else the original word. */
  private keepAllowed(changed: string, original: string): string {
    return [...changed].every((c) => this.symbols.includes(c)) ? changed : original;
  }
}
