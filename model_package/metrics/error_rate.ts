/**
 * Character and word error rates accumulated over an epoch, as fsdl's torchmetrics
 * CharErrorRate does: sum of edit distances / sum of reference lengths (not a mean
 * of per-line rates, which would overweight short lines).
 */
import { SPECIAL_TOKENS } from '../core/tokenizer.js';
import { levenshtein } from './levenshtein.js';

const SPECIAL_RE = new RegExp(SPECIAL_TOKENS.map((t) => t.replace(/[<>]/g, '\\$&')).join('|'), 'g');

/** Removes <B> <S> <E> <P> wherever they appear, so either side may be raw decoder text. */
export function stripSpecialTokens(text: string): string {
  return text.replace(SPECIAL_RE, '');
}

/** Whitespace-separated words; empty text has no words. */
export function splitWords(text: string): string[] {
  const t = text.trim();
  return t === '' ? [] : t.split(/\s+/);
}

/** Code points, so a character outside the BMP counts once. */
function chars(text: string): string[] {
  return Array.from(text);
}

abstract class ErrorRate {
  private edits = 0;
  private total = 0;

  protected abstract units(text: string): string[];

  /** Adds pairs (prediction, reference); returns the edits of this update. */
  update(predictions: readonly string[], references: readonly string[]): number {
    if (predictions.length !== references.length) {
      throw new RangeError(`${predictions.length} predictions for ${references.length} references`);
    }
    let edits = 0;
    predictions.forEach((p, i) => {
      const ref = this.units(stripSpecialTokens(references[i] as string));
      edits += levenshtein(this.units(stripSpecialTokens(p)), ref);
      this.total += ref.length;
    });
    this.edits += edits;
    return edits;
  }

  /**
   * edits / reference units. With no reference units at all the rate is 0 when the
   * predictions are empty too and 1 otherwise (any output is then all wrong).
   */
  compute(): number {
    if (this.total === 0) return this.edits === 0 ? 0 : 1;
    return this.edits / this.total;
  }

  get counts(): { edits: number; total: number } {
    return { edits: this.edits, total: this.total };
  }

  reset(): void {
    this.edits = 0;
    this.total = 0;
  }
}

export class CharErrorRate extends ErrorRate {
  protected units(text: string): string[] {
    return chars(text);
  }
}

export class WordErrorRate extends ErrorRate {
  protected units(text: string): string[] {
    return splitWords(text);
  }
}

/** CER of one pair, e.g. for a prediction table row. */
export function cer(prediction: string, reference: string): number {
  const m = new CharErrorRate();
  m.update([prediction], [reference]);
  return m.compute();
}

/** WER of one pair. */
export function wer(prediction: string, reference: string): number {
  const m = new WordErrorRate();
  m.update([prediction], [reference]);
  return m.compute();
}
