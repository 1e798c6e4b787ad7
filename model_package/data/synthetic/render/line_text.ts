/**
 * Texts for synthetic lines: corpus snippets, with a fraction of lines whose words
 * are swapped for numbers, capitals and symbols. Prose alone hardly contains
 * digits or rare capitals, and a recognizer never shown a glyph cannot learn it.
 */
import { Rng } from '../../../core/rng.js';
import { SentenceGenerator } from '../sentence_generator.js';

const DIGITS = '0123456789';
const NUMBER_SHAPES = ['d', 'dd', 'ddd', 'dddd', 'd.d', 'dd.dd', 'd,ddd', 'dd:dd', 'd/d', 'dd/dd/dd', '(d)', '#d', 'd+d', 'd*d', '-dd'];

export interface LineTextOptions {
  /** Share of lines with mixed-in numbers, capitals and symbols, in [0, 1]. */
  readonly mixedFraction: number;
  /** Characters that random words draw from (e.g. the vocabulary without space and newline). */
  readonly characters: readonly string[];
  readonly corpusDir?: string;
  /** Text to draw from instead of the whole corpus (e.g. one split's part). */
  readonly text?: string;
}

export class LineTextSource {
  private readonly sentences: SentenceGenerator;
  private readonly symbols: string[];
  private readonly digits: string[];
  private readonly shapes: string[];

  constructor(private readonly opts: LineTextOptions) {
    this.sentences = new SentenceGenerator({ maxLength: 1000, rng: new Rng(0), characters: opts.characters, ...(opts.corpusDir ? { corpusDir: opts.corpusDir } : {}), ...(opts.text !== undefined ? { text: opts.text } : {}) });
    this.symbols = opts.characters.filter((c) => c.trim() !== '' && c !== '\n');
    const allowed = new Set(opts.characters);
    this.digits = [...DIGITS].filter((d) => allowed.has(d));
    this.shapes = NUMBER_SHAPES.filter((shape) => [...shape].every((c) => c === 'd' || allowed.has(c)));
  }

  /** A line of at most `maxLength` characters (at least one non-space), drawn with `rng`. */
  generate(maxLength: number, rng: Rng): string {
    const base = this.sentences.generate(maxLength, rng);
    if (rng.next() >= this.opts.mixedFraction) return base;
    const words = base.split(' ').map((w) => (rng.next() < 0.4 ? this.mutate(w, rng) : w));
    let out = '';
    for (const w of words) {
      const next = out === '' ? w : `${out} ${w}`;
      if (next.length > maxLength) break;
      out = next;
    }
    return out === '' ? base : out;
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
