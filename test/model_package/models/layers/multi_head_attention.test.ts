import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { expectNoTensorLeak, useCpuBackend } from '../../../helpers/tf.js';
import { MultiHeadAttention, causalMask, type KV } from '../../../../model_package/models/layers/multi_head_attention.js';
import { Rng } from '../../../../model_package/core/rng.js';

beforeAll(useCpuBackend);

const D = 8;
const H = 2;

function rand(shape: number[], seed: number): tf.Tensor {
  const rng = new Rng(seed);
  return tf.tensor(new Float32Array(shape.reduce((a, b) => a * b, 1)).map(() => rng.normal()), shape);
}

function weights(m: MultiHeadAttention): Map<string, tf.Variable> {
  return new Map(m.namedParameters());
}

/** Textbook attention, one batch row and one head at a time with 2-D ops. */
function reference(m: MultiHeadAttention, x: tf.Tensor3D, mem: tf.Tensor3D | null, causal: boolean): tf.Tensor3D {
  return tf.tidy(() => {
    const w = weights(m);
    const [b, s] = x.shape;
    const src = mem ?? x;
    const dh = D / H;
    let wq: tf.Tensor2D, wk: tf.Tensor2D, wv: tf.Tensor2D, bq: tf.Tensor1D, bk: tf.Tensor1D, bv: tf.Tensor1D;
    if (mem) {
      wq = w.get('q.weight') as tf.Tensor2D;
      bq = w.get('q.bias') as tf.Tensor1D;
      [wk, wv] = tf.split(w.get('kv.weight')!, 2, 1) as [tf.Tensor2D, tf.Tensor2D];
      [bk, bv] = tf.split(w.get('kv.bias')!, 2, 0) as [tf.Tensor1D, tf.Tensor1D];
    } else {
      [wq, wk, wv] = tf.split(w.get('qkv.weight')!, 3, 1) as [tf.Tensor2D, tf.Tensor2D, tf.Tensor2D];
      [bq, bk, bv] = tf.split(w.get('qkv.bias')!, 3, 0) as [tf.Tensor1D, tf.Tensor1D, tf.Tensor1D];
    }
    const rows: tf.Tensor[] = [];
    for (let i = 0; i < b; i++) {
      const xi = tf.squeeze(tf.slice(x, [i, 0, 0], [1, -1, -1]), [0]) as tf.Tensor2D;
      const si = tf.squeeze(tf.slice(src, [i, 0, 0], [1, -1, -1]), [0]) as tf.Tensor2D;
      const q = tf.add(tf.matMul(xi, wq), bq);
      const k = tf.add(tf.matMul(si, wk), bk);
      const v = tf.add(tf.matMul(si, wv), bv);
      const heads: tf.Tensor[] = [];
      for (let h = 0; h < H; h++) {
        const qh = tf.slice(q, [0, h * dh], [-1, dh]) as tf.Tensor2D;
        const kh = tf.slice(k, [0, h * dh], [-1, dh]) as tf.Tensor2D;
        const vh = tf.slice(v, [0, h * dh], [-1, dh]) as tf.Tensor2D;
        let scores = tf.div(tf.matMul(qh, kh, false, true), Math.sqrt(dh));
        if (causal) scores = tf.add(scores, causalMask(s));
        heads.push(tf.matMul(tf.softmax(scores), vh));
      }
      const ctx = tf.concat(heads, 1) as tf.Tensor2D;
      rows.push(tf.add(tf.matMul(ctx, w.get('out.weight') as tf.Tensor2D), w.get('out.bias')!));
    }
    return tf.stack(rows) as tf.Tensor3D;
  });
}

function diff(a: tf.Tensor, b: tf.Tensor): number {
  return tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0] as number);
}

describe('MultiHeadAttention', () => {
  it('causal self-attention equals the per-head textbook computation', () => {
    const m = new MultiHeadAttention({ dim: D, heads: H, kind: 'self', rng: new Rng(1) });
    const x = rand([2, 5, D], 2) as tf.Tensor3D;
    const mask = causalMask(5);
    const got = m.forward(x, { mask });
    const want = reference(m, x, null, true);
    expect(diff(got, want)).toBeLessThan(1e-5);
    tf.dispose([x, mask, got, want]);
    m.dispose();
  });

  it('cross-attention with projectKV(memory) equals the textbook computation, in both head layouts', () => {
    const m = new MultiHeadAttention({ dim: D, heads: H, kind: 'cross', rng: new Rng(3) });
    const x = rand([2, 3, D], 4) as tf.Tensor3D;
    const mem = rand([2, 7, D], 5) as tf.Tensor3D;
    const kv = m.projectKV(mem);
    expect(kv.kTransposed).toBe(true);
    expect(kv.k.shape).toEqual([2 * H, D / H, 7]);
    expect(kv.v.shape).toEqual([2 * H, 7, D / H]);
    const got = m.forward(x, { kv });
    const want = reference(m, x, mem, false);
    expect(diff(got, want)).toBeLessThan(1e-5);
    // The batch-major layout (used by cached decoding steps) gives the same result, for 1 and 3 queries.
    const kvB = m.projectKV(mem, 'batch');
    expect(kvB.layout).toBe('batch');
    const gotB = m.forward(x, { kv: kvB });
    expect(diff(gotB, want)).toBeLessThan(1e-5);
    const x1 = tf.slice(x, [0, 1, 0], [2, 1, D]) as tf.Tensor3D;
    const one = m.forward(x1, { kv: kvB });
    const wantOne = tf.slice(want, [0, 1, 0], [2, 1, D]);
    expect(diff(one, wantOne)).toBeLessThan(1e-5);
    tf.dispose([x, mem, kv.k, kv.v, got, want, kvB.k, kvB.v, gotB, x1, one, wantOne]);
    m.dispose();
  });

  it('the causal mask hides later tokens', () => {
    const m = new MultiHeadAttention({ dim: D, heads: H, kind: 'self', rng: new Rng(6) });
    const x = rand([1, 4, D], 7) as tf.Tensor3D;
    const changed = tf.tidy(() => tf.concat([tf.slice(x, [0, 0, 0], [1, 3, D]), tf.ones([1, 1, D])], 1)) as tf.Tensor3D;
    const mask = causalMask(4);
    const a = m.forward(x, { mask });
    const b = m.forward(changed, { mask });
    const head = (t: tf.Tensor3D): tf.Tensor => tf.slice(t, [0, 0, 0], [1, 3, D]);
    expect(tf.tidy(() => diff(head(a), head(b)))).toBeLessThan(1e-6);
    expect(tf.tidy(() => diff(a, b))).toBeGreaterThan(1e-3);
    tf.dispose([x, changed, mask, a, b]);
    m.dispose();
  });

  it('step() with a growing key/value cache reproduces causal forward token by token, without leaks', async () => {
    const m = new MultiHeadAttention({ dim: D, heads: H, kind: 'self', rng: new Rng(8) });
    const x = rand([3, 6, D], 9) as tf.Tensor3D;
    const mask = causalMask(6);
    const full = m.forward(x, { mask });
    await expectNoTensorLeak(() => {
      let cache: KV | null = null;
      for (let t = 0; t < 6; t++) {
        const xt = tf.slice(x, [0, t, 0], [3, 1, D]) as tf.Tensor3D;
        const r: { out: tf.Tensor3D; cache: KV } = m.step(xt, cache);
        if (cache) tf.dispose([cache.k, cache.v]);
        cache = r.cache;
        expect(cache.k.shape).toEqual([3 * H, t + 1, D / H]);
        const want = tf.slice(full, [0, t, 0], [3, 1, D]);
        expect(diff(r.out, want)).toBeLessThan(1e-5);
        tf.dispose([xt, r.out, want]);
      }
      if (cache) tf.dispose([cache.k, cache.v]);
    }, 'cached attention steps');
    tf.dispose([x, mask, full]);
    m.dispose();
  });

  it('rejects a dim not divisible by the heads', () => {
    expect(() => new MultiHeadAttention({ dim: 10, heads: 4, kind: 'self', rng: new Rng(1) })).toThrow(/divisible/);
  });
});
