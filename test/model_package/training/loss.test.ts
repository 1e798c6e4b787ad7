import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { PAD_INDEX } from '../../../model_package/core/tokenizer.js';
import { crossEntropy, shiftLabels } from '../../../model_package/training/loss.js';
import { expectNoTensorLeak, useCpuBackend } from '../../helpers/tf.js';

beforeAll(useCpuBackend);

describe('crossEntropy', () => {
  it('is the mean negative log-likelihood of the targets (hand-computed)', async () => {
    // Position 0: uniform over 4 -> ln 4. Position 1: logits favour the target 2:
    // p = e^2 / (e^2 + 3) -> -ln p.
    const logits = tf.tensor3d([[[0, 0, 0, 0], [0, 0, 2, 0]]]);
    const targets = tf.tensor2d([[1, 2]], undefined, 'int32');
    const loss = await expectNoTensorLeak(() => {
      const l = crossEntropy(logits, targets, { ignorePad: false });
      const v = l.dataSync()[0];
      l.dispose();
      return v;
    });
    const p = Math.exp(2) / (Math.exp(2) + 3);
    expect(loss).toBeCloseTo((Math.log(4) - Math.log(p)) / 2, 5);
    tf.dispose([logits, targets]);
  });

  it('counts <P> targets by default and leaves them out with ignorePad', () => {
    const logits = tf.tensor3d([[[0, 0, 0, 0, 5], [0, 0, 0, 0, 0]]]);
    const targets = tf.tensor2d([[4, PAD_INDEX]], undefined, 'int32');
    const withPad = crossEntropy(logits, targets, { ignorePad: false });
    const noPad = crossEntropy(logits, targets, { ignorePad: true });
    const nll0 = -Math.log(Math.exp(5) / (Math.exp(5) + 4));
    expect(withPad.dataSync()[0]).toBeCloseTo((nll0 + Math.log(5)) / 2, 5);
    expect(noPad.dataSync()[0]).toBeCloseTo(nll0, 5);
    // All padding with ignorePad: 0, not NaN.
    const allPad = tf.tensor2d([[PAD_INDEX, PAD_INDEX]], undefined, 'int32');
    const zero = crossEntropy(logits, allPad, { ignorePad: true });
    expect(zero.dataSync()[0]).toBe(0);
    tf.dispose([logits, targets, withPad, noPad, allPad, zero]);
  });

  it('shiftLabels gives the decoder y[:, :-1] and scores y[:, 1:]', () => {
    const y = tf.tensor2d([[1, 7, 8, 2, 3]], undefined, 'int32');
    const { yIn, yOut } = shiftLabels(y);
    expect(Array.from(yIn.dataSync())).toEqual([1, 7, 8, 2]);
    expect(Array.from(yOut.dataSync())).toEqual([7, 8, 2, 3]);
    tf.dispose([y, yIn, yOut]);
  });
});
