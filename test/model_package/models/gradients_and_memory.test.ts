import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectNoTensorLeak, useCpuBackend } from '../../helpers/tf.js';
import '../../../model_package/backend/register_gradients.js';
import type { ResnetTransformer } from '../../../model_package/models/resnet_transformer.js';
import { dataConfig, images, labels, MAPPING, tinyModel } from './fixtures.js';

beforeAll(useCpuBackend);

/** Teacher-forced cross-entropy on y[:, :-1] -> y[:, 1:], as the Trainer computes it. */
function loss(model: ResnetTransformer, x: tf.Tensor4D, y: tf.Tensor2D): tf.Scalar {
  return tf.tidy((): tf.Scalar => {
    const [b, s] = y.shape;
    const yIn = tf.slice(y, [0, 0], [b, s - 1]) as tf.Tensor2D;
    const yOut = tf.slice(y, [0, 1], [b, s - 1]);
    const logits = model.logits(x, yIn);
    const onehot = tf.oneHot(tf.reshape(yOut, [-1]) as tf.Tensor1D, MAPPING.length);
    return tf.neg(tf.mean(tf.sum(tf.mul(onehot, tf.logSoftmax(tf.reshape(logits, [b * (s - 1), -1]))), 1))) as tf.Scalar;
  });
}

describe('ResnetTransformer gradients and tensor hygiene', () => {
  let model: ResnetTransformer;
  let x: tf.Tensor4D;
  let y: tf.Tensor2D;
  beforeAll(() => {
    // Small images: the cpu backend's conv filter gradient is slow.
    model = tinyModel({ stages: [{ channels: 8, stride: 2, blocks: 2 }, { channels: 16, stride: [2, 1] }] }, dataConfig(8, 24));
    x = images(2, 8, 24);
    y = labels(2, 8);
  });
  afterAll(() => {
    model.dispose();
    tf.dispose([x, y]);
  });

  it('every parameter receives a finite, non-zero gradient', () => {
    const params = model.namedParameters();
    const { value, grads } = tf.variableGrads(() => loss(model, x, y), params.map(([, v]) => v));
    expect(Number.isFinite(value.dataSync()[0])).toBe(true);
    for (const [name, v] of params) {
      const g = grads[v.name];
      expect(g, `${name} has no gradient`).toBeDefined();
      expect(g!.shape).toEqual(v.shape);
      const norm = tf.tidy(() => tf.sum(tf.abs(g!)).dataSync()[0]!);
      expect(Number.isFinite(norm), `${name} gradient is not finite`).toBe(true);
      expect(norm, `${name} gradient is zero`).toBeGreaterThan(0);
    }
    tf.dispose([value, ...Object.values(grads)]);
  });

  it('SGD steps lower the loss on a fixed batch', () => {
    model.train(true);
    const params = model.parameters();
    const first = loss(model, x, y);
    for (let i = 0; i < 3; i++) {
      const { value, grads } = tf.variableGrads(() => loss(model, x, y), params);
      tf.tidy(() => params.forEach((p) => p.assign(tf.sub(p, tf.mul(grads[p.name]!, 0.05)))));
      tf.dispose([value, ...Object.values(grads)]);
    }
    const last = loss(model, x, y);
    expect(last.dataSync()[0]).toBeLessThan(first.dataSync()[0]! * 0.9);
    tf.dispose([first, last]);
  });

  it('no tensors leak from logits (train and eval), a gradient step, greedy (cached and not) and beam search', async () => {
    const params = model.parameters();
    const yIn = labels(2, 5);
    // The first eval-mode forward and cached decode fold the BatchNorms into their convs and fold
    // the decoder; the model keeps those until its weights change, then folds again.
    tf.dispose(model.greedyDecode(x, { maxLength: 2 }));
    await expectNoTensorLeak(() => {
      model.train(true);
      tf.dispose(model.logits(x, yIn));
      model.train(false);
      tf.dispose(model.logits(x, yIn));
      model.train(true);
    }, 'logits');
    yIn.dispose();
    await expectNoTensorLeak(() => {
      const { value, grads } = tf.variableGrads(() => loss(model, x, y), params);
      // assign inside tidy: the variable keeps the data, the temporary tensor is released
      tf.tidy(() => params.forEach((p) => p.assign(tf.sub(p, tf.mul(grads[p.name]!, 1e-3)))));
      tf.dispose([value, ...Object.values(grads)]);
    }, 'gradient step');
    await expectNoTensorLeak(() => {
      tf.dispose(model.greedyDecode(x));
      tf.dispose(model.greedyDecode(x, { useCache: false, earlyStop: false }));
    }, 'greedy decoding');
    await expectNoTensorLeak(async () => {
      await model.beamSearch(x, 3);
      await model.beamSearch(x, 2, { useCache: false });
    }, 'beam search');
    await expectNoTensorLeak(() => {
      const state = model.stateDict();
      model.loadStateDict(state);
      tf.dispose([...state.values()]);
    }, 'state dict round trip');
  });
});
