/**
 * Vocabulary and label encoding shared by data modules, models and serving.
 * Token order follows fsdl-text-recognizer: <B>lank, <S>tart, <E>nd, <P>ad, then characters.
 */
export const BLANK = '<B>';
export const START = '<S>';
export const END = '<E>';
export const PAD = '<P>';
export const SPECIAL_TOKENS = [BLANK, START, END, PAD] as const;
export const BLANK_INDEX = 0;
export const START_INDEX = 1;
export const END_INDEX = 2;
export const PAD_INDEX = 3;

/** Printable characters of IAM and EMNIST (fsdl's 79-character set plus a few). */
export const DEFAULT_CHARACTERS: readonly string[] = [
  ...'0123456789',
  ...'ABCDEFGHIJKLMNOPQRSTUVWXYZ',
  ...'abcdefghijklmnopqrstuvwxyz',
  ...' !"#&\'()*+,-./:;?',
  '\n',
];

/** Mapping (idx -> token): special tokens then the given characters, deduplicated in order. */
export function buildMapping(characters: Iterable<string>): string[] {
  const seen = new Set<string>(SPECIAL_TOKENS);
  const mapping: string[] = [...SPECIAL_TOKENS];
  for (const ch of characters) {
    if (!seen.has(ch)) {
      seen.add(ch);
      mapping.push(ch);
    }
  }
  return mapping;
}

export class Tokenizer {
  readonly mapping: readonly string[];
  private readonly index: Map<string, number>;

  constructor(mapping: readonly string[]) {
    SPECIAL_TOKENS.forEach((tok, i) => {
      if (mapping[i] !== tok) throw new Error(`mapping[${i}] must be ${tok}, got ${String(mapping[i])}`);
    });
    this.mapping = mapping;
    this.index = new Map(mapping.map((tok, i) => [tok, i]));
  }

  get vocabSize(): number {
    return this.mapping.length;
  }

  has(ch: string): boolean {
    return this.index.has(ch);
  }

  /**
   * <S> text <E> <P>... padded to `length`. Characters outside the vocabulary are
   * dropped (callers count them beforehand); text too long is truncated before <E>.
   */
  encode(text: string, length: number): Int32Array {
    const out = new Int32Array(length).fill(PAD_INDEX);
    out[0] = START_INDEX;
    let pos = 1;
    for (const ch of text) {
      if (pos >= length - 1) break;
      const id = this.index.get(ch);
      if (id !== undefined) out[pos++] = id;
    }
    out[pos] = END_INDEX;
    return out;
  }

  /** Characters up to the first <E>, with special tokens removed. */
  decode(ids: ArrayLike<number>): string {
    let text = '';
    for (let i = 0; i < ids.length; i++) {
      const id = ids[i] as number;
      if (id === END_INDEX) break;
      if (id < SPECIAL_TOKENS.length) continue;
      text += this.mapping[id] ?? '';
    }
    return text;
  }
}
