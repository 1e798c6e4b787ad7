/**
 * Character n-gram language model with interpolated Kneser-Ney smoothing (Chen and
 * Goodman 1998, one discount per order), over a recognizer's token ids. CTC prefix
 * beam search adds its weighted log-probabilities (shallow fusion), as PyLaia does with
 * a KenLM character model: the CTC head knows the ink, the model knows the spelling.
 *
 * A line is scored as <S> c1 c2 … cn <E>: contexts at the start are padded with <S>,
 * and the end of the line is predicted as <E>. Characters outside the vocabulary are
 * skipped when counting, and lines without any are left out.
 */
import { END_INDEX, SPECIAL_TOKENS, START_INDEX } from '../core/tokenizer.js';

export interface CharNgramJson {
  readonly format: 'htr-char-ngram';
  readonly version: 1;
  readonly order: number;
  /** The recognizer's token strings; ids index into it. */
  readonly mapping: readonly string[];
  /** Per order 1..N: discount D. */
  readonly discounts: readonly number[];
  /**
   * Per order 1..N: context key ("" or ids joined by ",") -> [token, count, token, count, …]
   * (order N: counts; lower orders: Kneser-Ney continuation counts).
   */
  readonly counts: ReadonlyArray<Record<string, number[]>>;
  /** Lines the model was built from (for the report line). */
  readonly lines: number;
}

interface ContextStats {
  readonly next: Map<number, number>;
  total: number;
}

export class CharNgramLm {
  readonly order: number;
  readonly mapping: readonly string[];
  readonly lines: number;
  private readonly discounts: readonly number[];
  private readonly tables: ReadonlyArray<Map<string, ContextStats>>;
  /** Tokens the model predicts: every non-special token and <E>. */
  private readonly predicted: readonly number[];
  private readonly memo = new Map<string, number>();

  private constructor(json: CharNgramJson) {
    this.order = json.order;
    this.mapping = json.mapping;
    this.lines = json.lines;
    this.discounts = json.discounts;
    this.tables = json.counts.map((table) => {
      const m = new Map<string, ContextStats>();
      for (const [key, flat] of Object.entries(table)) {
        const next = new Map<number, number>();
        let total = 0;
        for (let i = 0; i < flat.length; i += 2) {
          next.set(flat[i] as number, flat[i + 1] as number);
          total += flat[i + 1] as number;
        }
        m.set(key, { next, total });
      }
      return m;
    });
    this.predicted = [...json.mapping.keys()].filter((id) => id === END_INDEX || id >= SPECIAL_TOKENS.length);
  }

  /** Counts the n-grams of `texts` (strings of the mapping's characters). */
  static build(texts: Iterable<string>, mapping: readonly string[], order: number): CharNgramLm {
    if (!Number.isInteger(order) || order < 1) throw new RangeError(`n-gram order must be a positive integer, got ${order}`);
    const index = new Map(mapping.map((s, i) => [s, i] as const));
    const top = new Map<string, Map<number, number>>();
    let lines = 0;
    for (const text of texts) {
      const ids = [...text].map((c) => index.get(c)).filter((id): id is number => id !== undefined && id >= SPECIAL_TOKENS.length);
      if (ids.length === 0) continue;
      lines++;
      const seq = [...new Array<number>(order - 1).fill(START_INDEX), ...ids, END_INDEX];
      for (let i = order - 1; i < seq.length; i++) {
        const key = seq.slice(i - order + 1, i).join(',');
        let next = top.get(key);
        if (!next) top.set(key, (next = new Map()));
        const token = seq[i] as number;
        next.set(token, (next.get(token) ?? 0) + 1);
      }
    }
    // Lower orders count distinct left extensions (continuation counts), not occurrences.
    const levels: Array<Map<string, Map<number, number>>> = [top];
    for (let n = order - 1; n >= 1; n--) {
      const higher = levels[0] as Map<string, Map<number, number>>;
      const lower = new Map<string, Map<number, number>>();
      for (const [key, next] of higher) {
        const shorter = key === '' ? '' : key.split(',').slice(1).join(',');
        let m = lower.get(shorter);
        if (!m) lower.set(shorter, (m = new Map()));
        for (const token of next.keys()) m.set(token, (m.get(token) ?? 0) + 1);
      }
      levels.unshift(lower);
    }
    const counts = levels.map((level) => Object.fromEntries([...level].map(([k, next]) => [k, [...next].flat()])));
    return new CharNgramLm({ format: 'htr-char-ngram', version: 1, order, mapping: [...mapping], discounts: levels.map(discount), counts, lines });
  }

  static fromJson(json: unknown, source = 'language model'): CharNgramLm {
    const j = json as Partial<CharNgramJson> | null;
    if (!j || j.format !== 'htr-char-ngram' || j.version !== 1 || !Array.isArray(j.mapping) || !Array.isArray(j.counts) || !Array.isArray(j.discounts)
      || typeof j.order !== 'number' || j.counts.length !== j.order || j.discounts.length !== j.order) {
      throw new Error(`${source}: not an htr-char-ngram v1 language model`);
    }
    return new CharNgramLm(j as CharNgramJson);
  }

  toJson(): CharNgramJson {
    return {
      format: 'htr-char-ngram', version: 1, order: this.order, mapping: this.mapping, discounts: this.discounts, lines: this.lines,
      counts: this.tables.map((t) => Object.fromEntries([...t].map(([k, s]) => [k, [...s.next].flat()]))),
    };
  }

  /** Whether this model spells with `mapping` (the same tokens in the same order). */
  matches(mapping: readonly string[]): boolean {
    return mapping.length === this.mapping.length && mapping.every((s, i) => s === this.mapping[i]);
  }

  /**
   * ln p(token | the tokens before it); `history` is the line so far without <S>.
   * `token` is a character id or END_INDEX.
   */
  logProb(history: readonly number[], token: number): number {
    const n = this.order - 1;
    const context = history.length >= n ? history.slice(history.length - n) : [...new Array<number>(n - history.length).fill(START_INDEX), ...history];
    const key = `${context.join(',')}|${token}`;
    let lp = this.memo.get(key);
    if (lp === undefined) {
      lp = Math.log(this.prob(context, token));
      if (this.memo.size > 1_000_000) this.memo.clear();
      this.memo.set(key, lp);
    }
    return lp;
  }

  /** Interpolated Kneser-Ney: discounted counts of the longest context plus the backed-off share of the next shorter one. */
  private prob(context: readonly number[], token: number): number {
    let p = 1 / this.predicted.length;
    for (let n = 1; n <= this.order; n++) {
      const stats = this.tables[n - 1]?.get(context.slice(context.length - (n - 1)).join(','));
      if (!stats || stats.total === 0) continue;
      const d = this.discounts[n - 1] as number;
      const c = stats.next.get(token) ?? 0;
      p = Math.max(c - d, 0) / stats.total + ((d * stats.next.size) / stats.total) * p;
    }
    return p;
  }
}

/** D = n1 / (n1 + 2·n2) from the count-of-counts (Ney et al. 1994), kept in [0.1, 0.9]. */
function discount(level: Map<string, Map<number, number>>): number {
  let n1 = 0;
  let n2 = 0;
  for (const next of level.values()) {
    for (const c of next.values()) {
      if (c === 1) n1++;
      else if (c === 2) n2++;
    }
  }
  const d = n1 + n2 > 0 ? n1 / (n1 + 2 * n2) : 0.5;
  return Math.min(0.9, Math.max(0.1, d));
}
