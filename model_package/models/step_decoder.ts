/**
 * One-token-at-a-time view of a decoder, shared by greedy decoding and beam search
 * so both work with and without the key/value cache.
 */
import type * as tf from '@tensorflow/tfjs-core';

export interface StepDecoder {
  /** Rows decoded together (batch, or batch x beam width). */
  readonly rows: number;
  /** Tokens fed so far per row. */
  readonly length: number;
  /** Feeds one token id per row at the next position; returns logits [rows, vocab] (caller disposes). */
  step(tokens: Int32Array): tf.Tensor2D;
  /**
   * Row i continues from row `parents[i]`'s prefix (beam search). A parent must
   * attend to the same image as row i: the image memory is not reordered.
   */
  reorder(parents: Int32Array): void;
  dispose(): void;
}
