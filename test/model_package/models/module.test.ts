import * as tf from '@tensorflow/tfjs-core';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { expectNoTensorLeak, useCpuBackend } from '../../helpers/tf.js';
import { isHtrError } from '../../../model_package/errors.js';
import { images, labels, maxAbsDiff, tinyModel } from './fixtures.js';
import type { ResnetTransformer } from '../../../model_package/models/resnet_transformer.js';

const made: ResnetTransformer[] = [];
function model(overrides: Record<string, unknown> = {}): ResnetTransformer {
  const m = tinyModel(overrides);
  made.push(m);
  return m;
}

beforeAll(useCpuBackend);
afterEach(() => made.splice(0).forEach((m) => m.dispose()));

describe('BaseModule', () => {
  it('names parameters and buffers by module path; buffers are not trainable', () => {
    const m = model();
    const params = new Map(m.namedParameters());
    const buffers = new Map(m.namedBuffers());
    expect(params.has('encoder.stem_conv.weight')).toBe(true);
    expect(params.has('encoder.stage1.block0.skip_bn.weight')).toBe(true);
    expect(params.has('decoder.layers.1.cross_attn.kv.weight')).toBe(true);
    expect(params.has('head.bias')).toBe(true);
    expect(buffers.has('encoder.stem_bn.running_mean')).toBe(true);
    expect([...params.values()].every((v) => v.trainable)).toBe(true);
    expect([...buffers.values()].every((v) => !v.trainable)).toBe(true);
    expect(m.numParameters()).toBe([...params.values()].reduce((n, v) => n + v.size, 0));
  });

  it('propagates train/eval mode to every child', () => {
    const m = model();
    expect(m.training).toBe(true);
    m.train(false);
    expect(m.training).toBe(false);
    // Eval mode reaches the BatchNorms: two eval forwards on different batches don't
    // change the running statistics (train mode would).
    const before = m.stateDict();
    const x = images(2, 16, 48);
    tf.dispose(m.logits(x, labels(2, 3)));
    const after = m.stateDict();
    for (const [k, v] of before) expect(maxAbsDiff(v, after.get(k)!), k).toBe(0);
    tf.dispose([...before.values(), ...after.values(), x]);
  });

  it('same seed gives the same weights, another seed different ones', () => {
    const a = model({ seed: 7 }).stateDict();
    const b = model({ seed: 7 }).stateDict();
    const c = model({ seed: 8 }).stateDict();
    for (const [k, v] of a) expect(maxAbsDiff(v, b.get(k)!), k).toBe(0);
    expect(maxAbsDiff(a.get('encoder.stem_conv.weight')!, c.get('encoder.stem_conv.weight')!)).toBeGreaterThan(0);
    tf.dispose([...a.values(), ...b.values(), ...c.values()]);
  });

  it('stateDict round trip: a model with another seed loads the weights and gives the same logits', async () => {
    const src = model({ seed: 1 });
    const x = images(2, 16, 48);
    const y = labels(2, 5);
    tf.dispose(src.logits(x, y)); // train mode: moves running stats away from their init
    src.train(false);
    const want = src.logits(x, y);
    const dst = model({ seed: 2 });
    dst.train(false);
    const other = dst.logits(x, y);
    expect(maxAbsDiff(want, other)).toBeGreaterThan(1e-3);
    const state = src.stateDict();
    await expectNoTensorLeak(() => dst.loadStateDict(state), 'loadStateDict');
    tf.dispose([...state.values()]); // the model keeps its own reference
    const got = dst.logits(x, y);
    expect(maxAbsDiff(want, got)).toBeLessThan(1e-6);
    tf.dispose([x, y, want, other, got]);
  });

  it('stateDict copies: later training does not change a saved dict', () => {
    const m = model();
    const state = m.stateDict();
    const w = m.namedParameters()[0]![1];
    const saved = state.get(m.namedParameters()[0]![0])!;
    const orig = saved.dataSync().slice();
    w.assign(tf.tidy(() => tf.add(w, 1)));
    expect(Array.from(saved.dataSync())).toEqual(Array.from(orig));
    tf.dispose([...state.values()]);
  });

  it('loadStateDict rejects missing, unknown and mis-shaped entries with HTR_ERR_SHAPE_MISMATCH naming the key', () => {
    const m = model();
    const good = m.stateDict();
    const expectError = (state: Map<string, tf.Tensor>, key: string): void => {
      try {
        m.loadStateDict(state);
        expect.unreachable('loadStateDict accepted a bad state dict');
      } catch (err) {
        expect(isHtrError(err, 'HTR_ERR_SHAPE_MISMATCH')).toBe(true);
        expect((err as Error).message).toContain(key);
      }
    };
    const missing = new Map(good);
    missing.delete('head.weight');
    expectError(missing, 'head.weight');
    const unknown = new Map(good).set('head.extra', tf.zeros([1]));
    expectError(unknown, 'head.extra');
    const bad = new Map(good).set('head.bias', tf.zeros([3]));
    expectError(bad, 'head.bias');
    tf.dispose([...good.values(), unknown.get('head.extra')!, bad.get('head.bias')!]);
  });

  it('dispose releases every variable', () => {
    const before = tf.memory().numTensors;
    const m = tinyModel();
    expect(tf.memory().numTensors).toBeGreaterThan(before);
    m.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });
});
