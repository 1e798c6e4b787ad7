/** Backend selection: explicit choices, auto's order and log, the error path, idempotence, round-trips. */
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { findNativeBuild, initBackend } from '../../../model_package/backend/index.js';
import { preferOneDnn } from '../../../model_package/backend/native.js';
import { isHtrError } from '../../../model_package/errors.js';

const quiet = () => {};

describe('initBackend', () => {
  it('selects cpu and round-trips a tensor', async () => {
    const info = await initBackend({ accelerator: 'cpu', log: quiet });
    expect(info).toMatchObject({ name: 'cpu', tfBackend: 'cpu' });
    expect(tf.getBackend()).toBe('cpu');
    const t = tf.tensor2d([[1.5, -2], [3, 4.25]]);
    expect(Array.from(tf.mul(t, 2).dataSync())).toEqual([3, -4, 6, 8.5]);
  });

  it('selects wasm (files from the package dist folder) and round-trips a tensor', async () => {
    const info = await initBackend({ accelerator: 'wasm', numThreads: 1, log: quiet });
    expect(info).toMatchObject({ name: 'wasm', tfBackend: 'wasm', threads: 1 });
    const t = tf.tensor1d([1, 2, 3], 'int32');
    const f = tf.tensor2d([[0.5, 1], [2, -1]]);
    expect(Array.from(tf.add(t, 1).dataSync())).toEqual([2, 3, 4]);
    expect(Array.from(tf.matMul(f, f).dataSync())).toEqual([2.25, -0.5, -1, 3]);
  });

  it('is idempotent: a repeated request returns the same result without reloading', async () => {
    const first = await initBackend({ accelerator: 'wasm', numThreads: 1, log: quiet });
    const logs: string[] = [];
    const second = await initBackend({ accelerator: 'wasm', numThreads: 1, log: (m) => logs.push(m) });
    expect(second).toBe(first);
    expect(logs).toEqual([]);
  });

  it('refuses an explicit gpu that cannot load, with no silent fallback', async () => {
    await initBackend({ accelerator: 'cpu', log: quiet });
    const err = await initBackend({ accelerator: 'gpu', log: quiet }).catch((e: unknown) => e);
    expect(isHtrError(err, 'HTR_ERR_BACKEND_UNAVAILABLE')).toBe(true);
    expect(String((err as Error).message)).toMatch(/tfjs-node-gpu is not installed/);
    expect(tf.getBackend()).toBe('cpu');
  });

  it('native: loads the .native build when present, otherwise says how to make it', async () => {
    const build = findNativeBuild();
    if (build) {
      const info = await initBackend({ accelerator: 'native', log: quiet });
      expect(info).toMatchObject({ name: 'native', tfBackend: 'tensorflow' });
      expect(Array.from(tf.add(tf.tensor1d([1, 2]), 1).dataSync())).toEqual([2, 3]);
      // TensorFlow reads this at its first op: it must be set by then (CI leaves it unset).
      expect(process.env.TF_ENABLE_ONEDNN_OPTS).toBeDefined();
    } else {
      const err = await initBackend({ accelerator: 'native', log: quiet }).catch((e: unknown) => e);
      expect(isHtrError(err, 'HTR_ERR_BACKEND_UNAVAILABLE')).toBe(true);
      expect(String((err as Error).message)).toMatch(/npm run setup:native/);
    }
  });

  it('native asks TensorFlow for oneDNN unless the user set TF_ENABLE_ONEDNN_OPTS', () => {
    const unset: NodeJS.ProcessEnv = {};
    preferOneDnn(unset);
    expect(unset.TF_ENABLE_ONEDNN_OPTS).toBe('1');
    const off: NodeJS.ProcessEnv = { TF_ENABLE_ONEDNN_OPTS: '0' };
    preferOneDnn(off);
    expect(off.TF_ENABLE_ONEDNN_OPTS).toBe('0');
  });

  it('auto tries gpu, native, wasm, cpu in order and logs why it skipped', async () => {
    const logs: string[] = [];
    const info = await initBackend({ accelerator: 'auto', numThreads: 1, log: (m) => logs.push(m) });
    const expected = findNativeBuild() ? 'native' : 'wasm';
    expect(info.name).toBe(expected);
    expect(info.skipped[0]?.name).toBe('gpu');
    expect(logs.some((l) => l.startsWith('[backend] skipped gpu:'))).toBe(true);
    expect(logs[logs.length - 1]).toMatch(new RegExp(`using ${expected}`));
  });

  it('rejects an unknown accelerator name', async () => {
    const err = await initBackend({ accelerator: 'tpu' as 'cpu', log: quiet }).catch((e: unknown) => e);
    expect(isHtrError(err, 'HTR_ERR_BACKEND_UNAVAILABLE')).toBe(true);
    expect((err as { details: { allowed: string[] } }).details.allowed).toContain('wasm');
  });
});
