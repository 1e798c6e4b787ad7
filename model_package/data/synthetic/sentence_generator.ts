/**
 * English text snippets for synthetic data, drawn from the offline public-domain
 * corpus in `data/corpus/*.txt` (see its README for sources). Like fsdl's
 * SentenceGenerator: pick a random word start, then a random word end within
 * `maxLength`, so snippet lengths spread over the whole range.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { htrError } from '../../errors.js';
import type { Rng } from '../../core/rng.js';
import { DEFAULT_CHARACTERS } from '../../core/tokenizer.js';

/** `data/corpus/` of this checkout, found relative to this file (works under tsx and from a clone). */
export const DEFAULT_CORPUS_DIR = fileURLToPath(new URL('../../../data/corpus/', import.meta.url));

export interface SentenceGeneratorOptions {
  /** Longest snippet `generate()` returns, in characters. */
  readonly maxLength: number;
  readonly rng: Rng;
  /** Raw text to draw from; defaults to every `*.txt` in `corpusDir`. */
  readonly text?: string;
  readonly corpusDir?: string;
  /** Allowed characters; others are dropped when loading. Newlines always become spaces. */
  readonly characters?: readonly string[];
}

/** Raw text of every `*.txt` in a corpus directory, read once per process (it is small). */
const corpusCache = new Map<string, { file: string; text: string }[]>();

function readCorpusFiles(dir: string): { file: string; text: string }[] {
  const cached = corpusCache.get(dir);
  if (cached) return cached;
  let files: string[];
  try {
    files = readdirSync(dir).filter((f) => f.endsWith('.txt')).sort();
  } catch (err) {
    throw htrError('HTR_ERR_MISSING_FILE', { file: dir }, err);
  }
  if (files.length === 0) throw htrError('HTR_ERR_BAD_DATA_FILE', { file: dir, reason: 'no *.txt corpus files' });
  const out = files.map((f) => ({ file: f, text: readFileSync(join(dir, f), 'utf8') }));
  corpusCache.set(dir, out);
  return out;
}

/** The whole corpus as one text. */
export function loadCorpus(dir: string = DEFAULT_CORPUS_DIR): string {
  return readCorpusFiles(dir).map((f) => f.text).join('\n');
}

export type CorpusPart = 'train' | 'val' | 'test';

/**
 * The corpus divided by sentence so evaluation text is never training text: in
 * each file, sentence k goes to test when k % 8 == 7, to val when k % 8 == 6,
 * else to train.
 */
export function loadCorpusPart(part: CorpusPart, dir: string = DEFAULT_CORPUS_DIR): string {
  const wanted = part === 'test' ? 7 : part === 'val' ? 6 : -1;
  const out: string[] = [];
  for (const { text } of readCorpusFiles(dir)) {
    text
      .replace(/\s+/g, ' ')
      .split(/(?<=[.!?]["')]?) (?=["'(]?[A-Z])/)
      .forEach((sentence, k) => {
        const r = k % 8;
        if (wanted < 0 ? r < 6 : r === wanted) out.push(sentence);
      });
  }
  return out.join(' ');
}

/** Whitespace collapsed to single spaces; characters outside `allowed` removed. */
export function normalizeText(raw: string, allowed: ReadonlySet<string>): string {
  let out = '';
  for (const ch of raw.replace(/\s+/g, ' ')) if (allowed.has(ch)) out += ch;
  return out.replace(/ {2,}/g, ' ').trim();
}

export class SentenceGenerator {
  readonly maxLength: number;
  private readonly rng: Rng;
  private readonly text: string;
  /** Index of the first character of every word. */
  private readonly wordStarts: number[];
  /** Word starts that begin a sentence (a capital after . ! or ?). */
  private readonly sentenceStarts: number[];

  constructor(opts: SentenceGeneratorOptions) {
    if (!(opts.maxLength >= 1)) throw new RangeError(`SentenceGenerator maxLength must be >= 1, got ${opts.maxLength}`);
    this.maxLength = opts.maxLength;
    this.rng = opts.rng;
    const allowed = new Set((opts.characters ?? DEFAULT_CHARACTERS).filter((c) => c !== '\n'));
    allowed.add(' ');
    this.text = normalizeText(opts.text ?? loadCorpus(opts.corpusDir), allowed);
    this.wordStarts = [];
    this.sentenceStarts = [];
    for (let i = 0; i < this.text.length; i++) {
      if (this.text[i] !== ' ' && (i === 0 || this.text[i - 1] === ' ')) {
        this.wordStarts.push(i);
        if (i === 0 || (/[.!?]["')]? $/.test(this.text.slice(Math.max(0, i - 3), i)) && /["'(]?[A-Z]/.test(this.text.slice(i, i + 2)))) this.sentenceStarts.push(i);
      }
    }
    if (this.wordStarts.length === 0) throw htrError('HTR_ERR_BAD_DATA_FILE', { file: opts.corpusDir ?? DEFAULT_CORPUS_DIR, reason: 'corpus has no usable words' });
  }

  /**
   * A snippet of whole words, 1..maxLength characters, never starting or ending
   * with a space. A single word longer than the limit is cut to fit. `rng`
   * overrides the generator's own (for callers drawing many lines concurrently).
   */
  generate(maxLength: number = this.maxLength, rng: Rng = this.rng): string {
    const limit = Math.max(1, Math.floor(maxLength));
    const start = rng.pick(this.wordStarts);
    const ends: number[] = [];
    for (let i = start + 1; i <= Math.min(this.text.length, start + limit); i++) {
      if (i === this.text.length || this.text[i] === ' ') ends.push(i);
    }
    if (ends.length === 0) return this.text.slice(start, start + limit).trimEnd();
    return this.text.slice(start, rng.pick(ends));
  }

  /**
   * As many whole words as fit in `maxLength` from a random word start (a
   * sentence start when `fromSentenceStart`), so the length lands just under
   * `maxLength`. Starts whose words come out shorter than `minLength` are
   * redrawn; after 16 tries the longest candidate is returned. Only when no
   * start gave a whole word is a word cut to `maxLength`.
   */
  snippet(minLength: number, maxLength: number, rng: Rng = this.rng, fromSentenceStart = false): string {
    const limit = Math.max(1, Math.floor(maxLength));
    const starts = fromSentenceStart && this.sentenceStarts.length > 0 ? this.sentenceStarts : this.wordStarts;
    let best = '';
    let cut = '';
    for (let attempt = 0; attempt < 16; attempt++) {
      const start = rng.pick(starts);
      let end = Math.min(this.text.length, start + limit);
      while (end > start && end < this.text.length && this.text[end] !== ' ') end--;
      if (end === start) {
        cut ||= this.text.slice(start, start + limit);
        continue;
      }
      const words = this.text.slice(start, end);
      if (words.length >= minLength) return words;
      if (words.length > best.length) best = words;
    }
    return best || cut;
  }
}
