import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import '../../../model_package/backend/register_gradients.js';
import { ctcGreedy } from '../../../model_package/models/ctc/ctc_decode.js';
import { logSoftmaxRows } from '../../../model_package/models/ctc/ctc_forward.js';
import { ctcLoss } from '../../../model_package/training/ctc_loss.js';
import { expectNoTensorLeak, useCpuBackend } from '../../helpers/tf.js';
import { CASES, expectAllNear, expectNear, logitsOf, type Case } from './ctc_fixtures.js';

/** Loss value and d loss / d logits, all tensors disposed. */
function lossAndGrad(c: Case, reduction: 'mean' | 'sum', zeroInfinity = true) {
  const x = logitsOf(c);
  let infeasible = -1;
  const { value, grad } = tf.valueAndGrad((t: tf.Tensor) => {
    const r = ctcLoss(t as tf.Tensor3D, c.input_lengths, c.labels, { reduction, zeroInfinity });
    infeasible = r.infeasible;
    return r.loss;
  })(x);
  const out = { loss: value.dataSync()[0] as number, grad: grad.dataSync() as Float32Array, infeasible };
  tf.dispose([x, value, grad]);
  return out;
}

beforeAll(useCpuBackend);

describe('ctcLoss against PyTorch (test/fixtures/ctc/ctc_cases.json)', () => {
  it('has the fixture cases the tests rely on', () => {
    expect(CASES.map((c) => c.name)).toEqual(['mixed', 'single_frame', 'exact_fit', 'impossible', 'large']);
  });

  for (const c of CASES) {
    it(`${c.name}: per-sequence, mean and sum losses and their gradients`, () => {
      const x = logitsOf(c);
      const none = ctcLoss(x, c.input_lengths, c.labels, { reduction: 'none' });
      expect(none.loss.shape).toEqual([c.shape[0]]);
      expectAllNear(none.loss.dataSync(), c.loss_none, 'loss_none');
      const raw = ctcLoss(x, c.input_lengths, c.labels, { reduction: 'none', zeroInfinity: false });
      expectAllNear(
        Array.from(raw.loss.dataSync(), (v) => (Number.isFinite(v) ? v : -1)),
        c.loss_none_raw.map((v) => v ?? -1),
        'loss_none_raw',
      );
      const expectedInfeasible = c.loss_none_raw.filter((v) => v === null).length;
      expect(none.infeasible).toBe(expectedInfeasible);
      tf.dispose([x, none.loss, raw.loss]);

      const mean = lossAndGrad(c, 'mean');
      expectNear(mean.loss, c.loss_mean, 'loss_mean');
      expectAllNear(mean.grad, c.grad_mean, 'grad_mean');
      expect(mean.infeasible).toBe(expectedInfeasible);
      const sum = lossAndGrad(c, 'sum');
      expectNear(sum.loss, c.loss_sum, 'loss_sum');
      expectAllNear(sum.grad, c.grad_sum, 'grad_sum');
    });
  }

  it('without zeroInfinity an unalignable row has loss +Infinity and NaN gradient, other rows are untouched', () => {
    const c = CASES.find((k) => k.name === 'impossible') as Case;
    const { loss, grad, infeasible } = lossAndGrad(c, 'sum', false);
    expect(loss).toBe(Infinity);
    expect(infeasible).toBe(2);
    const [, T, V] = c.shape;
    for (let b = 0; b < c.shape[0]; b++) {
      const row = Array.from(grad.subarray(b * T * V, (b + 1) * T * V));
      const valid = row.slice(0, (c.input_lengths[b] as number) * V);
      if (c.loss_none_raw[b] === null) expect(valid.every(Number.isNaN)).toBe(true);
      else expectAllNear(row, c.grad_sum.slice(b * T * V, (b + 1) * T * V), `row ${b}`);
    }
  });
});

describe('ctcLoss gradient plumbing', () => {
  it("scales 'none' by the upstream gradient per row and is 0 past each input length", () => {
    const c = CASES.find((k) => k.name === 'mixed') as Case;
    const [B, T, V] = c.shape;
    const weights = [0.5, -2, 3, 1, 0.25];
    const x = logitsOf(c);
    const w = tf.tensor1d(weights);
    const grad = tf.grad((t: tf.Tensor) => tf.sum(tf.mul(ctcLoss(t as tf.Tensor3D, c.input_lengths, c.labels, { reduction: 'none' }).loss, w)))(x);
    const g = grad.dataSync();
    for (let b = 0; b < B; b++) {
      for (let i = 0; i < T * V; i++) {
        const k = b * T * V + i;
        if (i >= (c.input_lengths[b] as number) * V) expect(Math.abs(g[k] as number)).toBe(0);
        else expectNear(g[k] as number, (weights[b] as number) * (c.grad_sum[k] as number), `g[${k}]`);
      }
    }
    tf.dispose([x, w, grad]);
  });

  it('leaks no tensors through loss, variableGrads and disposal', async () => {
    const c = CASES.find((k) => k.name === 'mixed') as Case;
    const v = tf.variable(logitsOf(c));
    await expectNoTensorLeak(() => {
      const { value, grads } = tf.variableGrads(() => ctcLoss(v as tf.Tensor3D, c.input_lengths, c.labels).loss, [v]);
      expect(Object.keys(grads)).toEqual([v.name]);
      tf.dispose([value, ...Object.values(grads)]);
      const evalOnly = ctcLoss(v as tf.Tensor3D, c.input_lengths, c.labels);
      evalOnly.loss.dispose();
    }, 'ctcLoss + variableGrads');
    v.dispose();
  });

  it('trains free logits to emit the label under gradient descent', () => {
    const label = [1, 2, 2, 3]; // "abbc": the repeat needs a blank between the b's
    const logits = tf.variable(tf.zeros([1, 8, 5]));
    const opt = tf.train.sgd(2);
    const losses: number[] = [];
    for (let step = 0; step < 60; step++) {
      const loss = opt.minimize(() => ctcLoss(logits as tf.Tensor3D, [8], [label]).loss, true) as tf.Scalar;
      losses.push(loss.dataSync()[0] as number);
      loss.dispose();
    }
    expect(losses[losses.length - 1]).toBeLessThan(0.05 * (losses[0] as number));
    const lp = logSoftmaxRows(logits.dataSync(), 8, 5);
    expect(ctcGreedy(lp, 8, 5).tokens).toEqual(label);
    logits.dispose();
    opt.dispose();
  });

  it('rejects mismatched batch sizes and input lengths past T', () => {
    const x = tf.zeros([2, 3, 4]) as tf.Tensor3D;
    expect(() => ctcLoss(x, [3], [[1], [2]])).toThrow(RangeError);
    expect(() => ctcLoss(x, [3, 4], [[1], [2]])).toThrow(RangeError);
    expect(() => ctcLoss(x, [3, 3], [[1], [0]])).toThrow(RangeError);
    x.dispose();
  });
});
