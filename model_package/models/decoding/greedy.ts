/** Greedy (argmax) decoding over a StepDecoder. */
import * as tf from '@tensorflow/tfjs-core';
import { END_INDEX, PAD_INDEX, START_INDEX } from '../../core/tokenizer.js';
import type { StepDecoder } from '../step_decoder.js';

/**
 * Ids [rows * maxLength] row-major: <S>, then argmax tokens; everything after a
 * row's <E> is <P>. With `earlyStop` the loop ends once every row has emitted <E>.
 */
export function greedyLoop(dec: StepDecoder, maxLength: number, earlyStop = true): Int32Array {
  const rows = dec.rows;
  const out = new Int32Array(rows * maxLength).fill(PAD_INDEX);
  const done = new Uint8Array(rows);
  const next = new Int32Array(rows).fill(START_INDEX);
  for (let r = 0; r < rows; r++) out[r * maxLength] = START_INDEX;
  let remaining = rows;
  for (let t = 1; t < maxLength; t++) {
    const logits = dec.step(next);
    const arg = tf.argMax(logits, 1);
    const ids = arg.dataSync();
    logits.dispose();
    arg.dispose();
    for (let r = 0; r < rows; r++) {
      if (done[r]) {
        next[r] = PAD_INDEX; // finished rows keep decoding in the batch; their output stays <P>
        continue;
      }
      const id = ids[r] as number;
      out[r * maxLength + t] = id;
      next[r] = id;
      if (id === END_INDEX) {
        done[r] = 1;
        remaining--;
      }
    }
    if (earlyStop && remaining === 0) break;
  }
  return out;
}
