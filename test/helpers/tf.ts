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
