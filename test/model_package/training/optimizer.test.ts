import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { OptimizerConfig } from '../../../model_package/training/config.js';
import { AdamOptimizer } from '../../../model_package/training/optimizer.js';
import { clipGradNorm, globalNorm } from '../../../model_package/training/grad_clip.js';
import { expectNoTensorLeak, useCpuBackend } from '../../helpers/tf.js';

beforeAll(useCpuBackend);

/** Scalar Adam/AdamW exactly as PyTorch documents it. */
function referenceAdam(p0: number, steps: number, cfg: OptimizerConfig, grad: (p: number) => number, stepNumbers?: number[]): number {
  const [b1, b2] = cfg.betas;
  let p = p0;
  let m = 0;
  let v = 0;
  // stepNumbers: the optimizer step count at each update (steps without a gradient skipped).
  for (const t of stepNumbers ?? Array.from({ length: steps }, (_, i) => i + 1)) {
    let g = grad(p);
    if (cfg.name === 'Adam') g += cfg.weight_decay * p;
    else p *= 1 - cfg.lr * cfg.weight_decay;
    m = b1 * m + (1 - b1) * g;
    v = b2 * v + (1 - b2) * g * g;
    const mHat = m / (1 - b1 ** t);
    const vHat = v / (1 - b2 ** t);
    p -= (cfg.lr * mHat) / (Math.sqrt(vHat) + cfg.eps);
  }
  return p;
}

/** Minimizes sum(p^2) (gradient 2p) for `steps` steps. */
function run(opt: AdamOptimizer, p: tf.Variable, steps: number): void {
  for (let i = 0; i < steps; i++) {
    const g = tf.mul(p, 2);
    opt.apply(new Map([['w', g]]));
    g.dispose();
  }
}

describe('AdamOptimizer', () => {
  it('takes a first step of exactly lr against the gradient sign, then follows the reference', async () => {
    const cfg = OptimizerConfig.parse({ lr: 0.1 });
    const p = tf.variable(tf.tensor1d([1, -2, 0.5]));
    const opt = new AdamOptimizer([['w', p]], cfg);
    run(opt, p, 1);
    const after1 = Array.from(p.dataSync());
    [0.9, -1.9, 0.4].forEach((e, i) => expect(after1[i]).toBeCloseTo(e, 6));
    run(opt, p, 1);
    expect(p.dataSync()[0]).toBeCloseTo(0.800412, 5); // hand-computed second step
    run(opt, p, 8);
    const got = Array.from(p.dataSync());
    [1, -2, 0.5].forEach((p0, i) => expect(got[i]).toBeCloseTo(referenceAdam(p0, 10, cfg, (x) => 2 * x), 5));
    expect(opt.step).toBe(10);
    opt.dispose();
    p.dispose();
  });

  it('implements L2 (Adam) and decoupled (AdamW) weight decay differently', () => {
    for (const name of ['Adam', 'AdamW'] as const) {
      const cfg = OptimizerConfig.parse({ name, lr: 0.05, weight_decay: 0.5 });
      const p = tf.variable(tf.tensor1d([1.5]));
      const opt = new AdamOptimizer([['w', p]], cfg);
      run(opt, p, 6);
      expect(p.dataSync()[0]).toBeCloseTo(referenceAdam(1.5, 6, cfg, (x) => 2 * x), 5);
      opt.dispose();
      p.dispose();
    }
    const adam = referenceAdam(1.5, 6, OptimizerConfig.parse({ name: 'Adam', lr: 0.05, weight_decay: 0.5 }), (x) => 2 * x);
    const adamw = referenceAdam(1.5, 6, OptimizerConfig.parse({ name: 'AdamW', lr: 0.05, weight_decay: 0.5 }), (x) => 2 * x);
    expect(Math.abs(adam - adamw)).toBeGreaterThan(1e-3);
  });

  it('resumes exactly from saved moments and step count', () => {
    const cfg = OptimizerConfig.parse({ lr: 0.01 });
    const a = tf.variable(tf.tensor2d([[0.3, -0.7], [1.1, 2]]));
    const optA = new AdamOptimizer([['w', a]], cfg);
    run(optA, a, 3);
    const state = optA.stateTensors();
    const b = tf.variable(tf.clone(a));
    const optB = new AdamOptimizer([['w', b]], cfg);
    optB.loadState(state, optA.step);
    run(optA, a, 4);
    run(optB, b, 4);
    expect(Array.from(b.dataSync())).toEqual(Array.from(a.dataSync()));
    expect(() => optB.loadState(new Map(), 1)).toThrow(/HTR_ERR_BAD_CHECKPOINT.*m\.w.*missing/);
    for (const t of state.values()) t.dispose();
    [optA, optB, a, b].forEach((x) => x.dispose());
  });

  it('does not leak tensors from construction to dispose', async () => {
    const p = tf.variable(tf.ones([4, 4]));
    await expectNoTensorLeak(() => {
      const opt = new AdamOptimizer([['w', p]], OptimizerConfig.parse({ name: 'AdamW', weight_decay: 0.1 }));
      run(opt, p, 5);
      opt.dispose();
    }, 'Adam lifecycle');
    p.dispose();
  });
});

describe('clipGradNorm', () => {
  it('scales all gradients together to the max norm, like clip_grad_norm_', () => {
    const grads = new Map<string, tf.Tensor>([
      ['a', tf.tensor1d([3, 0])],
      ['b', tf.tensor1d([0, 4])],
    ]); // global norm 5
    expect(globalNorm(grads)).toBeCloseTo(5, 6);
    expect(clipGradNorm(grads, 1)).toBeCloseTo(5, 6);
    expect(globalNorm(grads)).toBeCloseTo(1, 5);
    expect(Array.from(grads.get('a')!.dataSync())[0]).toBeCloseTo(0.6, 5);
    // Under the limit: unchanged.
    expect(clipGradNorm(grads, 10)).toBeCloseTo(1, 5);
    expect(Array.from(grads.get('b')!.dataSync())[1]).toBeCloseTo(0.8, 5);
    for (const g of grads.values()) g.dispose();
  });
});

describe('AdamOptimizer flat update', () => {
  it('updates several parameters like separate scalar Adams; one without a gradient keeps its value and moments', () => {
    const cfg = OptimizerConfig.parse({ name: 'AdamW', lr: 0.05, weight_decay: 0.1 });
    const a = tf.variable(tf.tensor2d([[1, -2], [0.5, 3]]));
    const b = tf.variable(tf.tensor1d([0.25, -1.5, 2]));
    const opt = new AdamOptimizer([['a', a], ['b', b]], cfg);
    for (let i = 0; i < 3; i++) {
      const ga = tf.mul(a, 2);
      const gb = tf.mul(b, 2);
      // b gets no gradient at the second step.
      opt.apply(new Map(i === 1 ? [['a', ga]] : [['a', ga], ['b', gb]]));
      tf.dispose([ga, gb]);
    }
    [1, -2, 0.5, 3].forEach((p0, i) => expect(a.dataSync()[i]).toBeCloseTo(referenceAdam(p0, 3, cfg, (x) => 2 * x), 5));
    [0.25, -1.5, 2].forEach((p0, i) => expect(b.dataSync()[i]).toBeCloseTo(referenceAdam(p0, 2, { ...cfg }, (x) => 2 * x, [1, 3]), 5));
    const state = opt.stateTensors();
    expect(state.get('m.a')!.shape).toEqual([2, 2]);
    expect(state.get('v.b')!.shape).toEqual([3]);
    for (const t of state.values()) t.dispose();
    [opt, a, b].forEach((x) => x.dispose());
  });

  it('clips the global norm inside the update as clipGradNorm followed by apply', () => {
    const cfg = OptimizerConfig.parse({ lr: 0.1 });
    const make = () => [tf.variable(tf.tensor1d([3, -1])), tf.variable(tf.tensor2d([[2, 0.5]]))] as const;
    const [a1, b1] = make();
    const [a2, b2] = make();
    const fused = new AdamOptimizer([['a', a1], ['b', b1]], cfg);
    const split = new AdamOptimizer([['a', a2], ['b', b2]], cfg);
    for (let i = 0; i < 3; i++) {
      const g1 = new Map<string, tf.Tensor>([['a', tf.mul(a1, 4)], ['b', tf.mul(b1, 4)]]);
      const g2 = new Map<string, tf.Tensor>([['a', tf.mul(a2, 4)], ['b', tf.mul(b2, 4)]]);
      const norm = fused.apply(g1, { clipNorm: 1 });
      expect(norm).toBeCloseTo(clipGradNorm(g2, 1), 5);
      split.apply(g2);
      [...g1.values(), ...g2.values()].forEach((g) => g.dispose());
    }
    // The norm of one flat vector rounds differently from a sum of per-tensor norms: equal to float precision.
    Array.from(a2.dataSync()).forEach((v, i) => expect(a1.dataSync()[i]).toBeCloseTo(v, 6));
    Array.from(b2.dataSync()).forEach((v, i) => expect(b1.dataSync()[i]).toBeCloseTo(v, 6));
    [fused, split, a1, b1, a2, b2].forEach((x) => x.dispose());
  });
});
