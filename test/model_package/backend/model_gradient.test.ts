/**
 * The default model's loss and full gradient on wasm (with our kernels) equal the cpu
 * backend's. Small input (2 x 16 x 40) to keep the cpu reference quick.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../../model_package/backend/index.js';
import { expectClose } from './compare.js';
import { lossAndGrads, tinyDefaultModel } from './model_fixture.js';

describe('default model gradient, wasm vs cpu', () => {
  beforeAll(async () => {
    await initBackend({ accelerator: 'wasm', numThreads: 1, log: () => {} });
  });

  it('gives the same loss and every parameter gradient', async () => {
    const model = tinyDefaultModel();
    model.train(true);
    const wasm = await lossAndGrads(model, 'wasm');
    const cpu = await lossAndGrads(model, 'cpu');
    expect(wasm.grads.length).toBe(model.namedParameters().length);
    expect(Math.abs(wasm.loss - cpu.loss)).toBeLessThan(1e-4 * Math.abs(cpu.loss));
    expectClose(wasm.grads, cpu.grads, 2e-4, 'gradients');
    model.dispose();
  });
});
