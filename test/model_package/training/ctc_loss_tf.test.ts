/**
 * TensorFlow's CTC kernel (training/ctc_loss_tf.ts) against PyTorch's F.ctc_loss on the
 * fixtures the JavaScript route is held to, within the same tolerance, and against that
 * route. Skipped, with the reason, when the native build is absent.
 */
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { findNativeBuild, initBackend } from '../../../model_package/backend/index.js';
import { ctcLoss, infeasibleCtcRows } from '../../../model_package/training/ctc_loss.js';
import { ctcLabelTensors, tensorflowCtcLoss, type CtcLabelTensors } from '../../../model_package/training/ctc_loss_tf.js';
import { expectNoTensorLeak } from '../../helpers/tf.js';
import { CASES, expectAllNear, expectNear, logitsOf, type Case } from './ctc_fixtures.js';

const build = findNativeBuild();
if (!build) console.warn('[ctc_loss_tf] skipped: no .native build (run `npm run setup:native` to enable)');

/** The case's targets, labels padded to `extra` places past the longest. */
function targetsOf(c: Case, extra = 3): CtcLabelTensors {
  return ctcLabelTensors(c.input_lengths, c.labels, Math.max(0, ...c.labels.map((l) => l.length)) + extra);
}

/** Loss and d loss / d logits of one reduction; all tensors disposed. */
function lossAndGrad(c: Case, reduction: 'mean' | 'sum' | 'none', rowWeights?: number[]) {
  const x = logitsOf(c);
  const targets = targetsOf(c);
  const w = rowWeights ? tf.tensor1d(rowWeights) : undefined;
  const { value, grad } = tf.valueAndGrad((t: tf.Tensor) => {
    const loss = tensorflowCtcLoss(t as tf.Tensor3D, targets, reduction);
    return (w ? tf.sum(tf.mul(loss, w)) : tf.sum(loss)) as tf.Scalar;
  })(x);
  const out = { loss: value.dataSync()[0] as number, grad: Float32Array.from(grad.dataSync()) };
  tf.dispose([x, value, grad, w, ...Object.values(targets)]);
  return out;
}

describe.skipIf(!build)('tensorflowCtcLoss against PyTorch (test/fixtures/ctc/ctc_cases.json)', () => {
  beforeAll(async () => {
    await initBackend({ accelerator: 'native', log: () => {} });
  });

  for (const c of CASES) {
    it(`${c.name}: per-sequence, mean and sum losses and their gradients (an unalignable row adds 0)`, () => {
      const x = logitsOf(c);
      const targets = targetsOf(c);
      const none = tensorflowCtcLoss(x, targets, 'none');
      expect(none.shape).toEqual([c.shape[0]]);
      expectAllNear(none.dataSync(), c.loss_none, 'loss_none');
      tf.dispose([x, none, ...Object.values(targets)]);
      expect(infeasibleCtcRows(c.input_lengths, c.labels)).toBe(c.loss_none_raw.filter((v) => v === null).length);

      const mean = lossAndGrad(c, 'mean');
      expectNear(mean.loss, c.loss_mean, 'loss_mean');
      expectAllNear(mean.grad, c.grad_mean, 'grad_mean');
      const sum = lossAndGrad(c, 'sum');
      expectNear(sum.loss, c.loss_sum, 'loss_sum');
      expectAllNear(sum.grad, c.grad_sum, 'grad_sum');
    });
  }

  it("scales 'none' by the upstream gradient per row, 0 past each row's frames", () => {
    const c = CASES.find((k) => k.name === 'mixed')!;
    const [B, T, V] = c.shape;
    const weights = [0.5, -2, 3, 1, 0.25];
    const { grad } = lossAndGrad(c, 'none', weights);
    for (let b = 0; b < B; b++) {
      for (let i = 0; i < T * V; i++) {
        const k = b * T * V + i;
        if (i >= c.input_lengths[b]! * V) expect(grad[k]).toBe(0);
        else expectNear(grad[k]!, weights[b]! * c.grad_sum[k]!, `g[${k}]`);
      }
    }
  });

  it('gives the JavaScript route\'s loss and gradient on a line-sized batch, whatever the label padding', () => {
    const [B, T, V] = [6, 64, 30];
    const x = tf.randomNormal([B, T, V], 0, 2, 'float32', 3) as tf.Tensor3D;
    const frames = [64, 60, 40, 64, 10, 33];
    const labels = [[1, 2, 3, 4, 5], [7, 7, 7, 2], [], [29, 1, 29, 1, 29, 1, 29, 1], [3, 3, 3, 3, 3, 3], [4]];
    const js = tf.valueAndGrad((t: tf.Tensor) => ctcLoss(t as tf.Tensor3D, frames, labels).loss)(x);
    for (const width of [8, 20]) {
      const targets = ctcLabelTensors(frames, labels, width);
      const native = tf.valueAndGrad((t: tf.Tensor) => tensorflowCtcLoss(t as tf.Tensor3D, targets) as tf.Scalar)(x);
      expectNear(native.value.dataSync()[0]!, js.value.dataSync()[0]!, `loss (labels padded to ${width})`);
      expectAllNear(native.grad.dataSync(), Array.from(js.grad.dataSync()), `grad (labels padded to ${width})`);
      tf.dispose([native.value, native.grad, ...Object.values(targets)]);
    }
    tf.dispose([x, js.value, js.grad]);
  });

  it('leaks no tensors under variableGrads', async () => {
    const c = CASES.find((k) => k.name === 'large')!;
    const v = tf.variable(logitsOf(c));
    const targets = targetsOf(c);
    await expectNoTensorLeak(() => {
      const { value, grads } = tf.variableGrads(() => tensorflowCtcLoss(v as tf.Tensor3D, targets) as tf.Scalar, [v]);
      tf.dispose([value, ...Object.values(grads)]);
    }, 'tensorflowCtcLoss + variableGrads');
    tf.dispose([v, ...Object.values(targets)]);
  });

  it('rejects labels wider than their padding, and backends other than TensorFlow', async () => {
    expect(() => ctcLabelTensors([4], [[1, 2, 3]], 2)).toThrow(/3 tokens does not fit in 2 places/);
    await tf.setBackend('cpu');
    try {
      const x = tf.zeros([1, 4, 5]) as tf.Tensor3D;
      const targets = ctcLabelTensors([4], [[1, 2]], 2);
      expect(() => tensorflowCtcLoss(x, targets)).toThrow(/needs the tensorflow backend, not cpu/);
      tf.dispose([x, ...Object.values(targets)]);
    } finally {
      await tf.setBackend('tensorflow');
    }
  });
});
