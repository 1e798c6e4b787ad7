/** Shared tfjs test setup: the cpu backend and a tensor-leak guard. */
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { expect } from 'vitest';

export async function useCpuBackend(): Promise<void> {
  await tf.setBackend('cpu');
  await tf.ready();
}

/** Runs `fn` and asserts that the number of live tensors did not change. */
export async function expectNoTensorLeak<T>(fn: () => T | Promise<T>, label = 'operation'): Promise<T> {
  const before = tf.memory().numTensors;
  const result = await fn();
  const after = tf.memory().numTensors;
  expect(after, `${label} leaked ${after - before} tensor(s)`).toBe(before);
  return result;
}

/**
 * Backend for training tests: cpu (the reference kernels) unless HTR_TEST_BACKEND
 * names another accelerator for initBackend (e.g. "wasm" to exercise helper B's
 * gradient kernels through the Trainer). Returns the tfjs backend name.
 */
export async function useTrainingBackend(): Promise<string> {
  const wanted = process.env.HTR_TEST_BACKEND;
  if (!wanted || wanted === 'cpu') {
    await useCpuBackend();
    return 'cpu';
  }
  const { initBackend } = await import('../../model_package/backend/index.js');
  const info = await initBackend({ accelerator: wanted as 'wasm', log: () => {} });
  return info.tfBackend;
}

/** Values of every parameter and buffer, by name, as plain arrays. */
export function snapshot(module: { stateDict(): Map<string, tf.Tensor> }): Map<string, Float32Array> {
  const state = module.stateDict();
  const out = new Map<string, Float32Array>();
  for (const [name, t] of state) {
    out.set(name, t.dataSync() as Float32Array);
    t.dispose();
  }
  return out;
}

/** Largest absolute difference between two snapshots with the same names. */
export function maxAbsDiff(a: Map<string, Float32Array>, b: Map<string, Float32Array>): number {
  expect([...b.keys()]).toEqual([...a.keys()]);
  let max = 0;
  for (const [name, x] of a) {
    const y = b.get(name) as Float32Array;
    for (let i = 0; i < x.length; i++) max = Math.max(max, Math.abs((x[i] as number) - (y[i] as number)));
  }
  return max;
}
