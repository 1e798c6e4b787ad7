/**
 * The native backend (tfjs-node built from a TensorFlow wheel by `npm run setup:native`)
 * and wasm give the same loss and gradients on the default model. Skipped, with the
 * reason, when the native build is absent (CI does not build it).
 */
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { findNativeBuild, initBackend } from '../../../model_package/backend/index.js';
import { expectClose } from './compare.js';
import { lossAndGrads, tinyDefaultModel } from './model_fixture.js';

const build = findNativeBuild();
if (!build) console.warn('[native_vs_wasm] skipped: no .native build (run `npm run setup:native` to enable)');

describe.skipIf(!build)('default model gradient, native vs wasm', () => {
  beforeAll(async () => {
    await initBackend({ accelerator: 'wasm', numThreads: 1, log: () => {} });
    await initBackend({ accelerator: 'native', log: () => {} });
  });

  it('gives the same loss and every parameter gradient', async () => {
    const model = tinyDefaultModel();
    model.train(true);
    const native = await lossAndGrads(model, 'tensorflow');
    const wasm = await lossAndGrads(model, 'wasm');
    expect(Math.abs(native.loss - wasm.loss)).toBeLessThan(1e-4 * Math.abs(wasm.loss));
    expectClose(native.grads, wasm.grads, 2e-4, 'gradients');
    model.dispose();
  });

  it('decodes the same tokens (eval mode: fused conv + BatchNorm with explicit padding)', async () => {
    const model = tinyDefaultModel();
    const decode = async (backend: string): Promise<number[]> => {
      await tf.setBackend(backend);
      const ids = tf.tidy(() => model.greedyDecode(tf.randomUniform([2, 16, 40, 1], 0, 1, 'float32', 5) as tf.Tensor4D, { earlyStop: false }));
      const out = Array.from(ids.dataSync());
      ids.dispose();
      return out;
    };
    expect(await decode('tensorflow')).toEqual(await decode('wasm'));
    model.dispose();
  });
});
