import * as tf from '@tensorflow/tfjs-core';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { useCpuBackend } from '../../helpers/tf.js';
import { buildMapping, DEFAULT_CHARACTERS } from '../../../model_package/core/tokenizer.js';
import { isHtrError } from '../../../model_package/errors.js';
import { getModelEntry } from '../../../model_package/models/registry.js';
import { ResnetTransformer, ResnetTransformerConfig } from '../../../model_package/models/resnet_transformer.js';
import { dataConfig, images, labels, MAPPING, tinyModel } from './fixtures.js';

beforeAll(useCpuBackend);
const made: ResnetTransformer[] = [];
afterEach(() => made.splice(0).forEach((m) => m.dispose()));
function keep(m: ResnetTransformer): ResnetTransformer {
  made.push(m);
  return m;
}

interface RefShape {
  channels: number[];
  blocks: number;
  stem: number;
  d: number;
  ff: number;
  layers: number;
  vocab: number;
  maxLen: number;
}

/**
 * Parameter count of the same model in stock PyTorch (bench/torch_mirror.py), layer by layer
 * (conv bias=False, BN weight+bias, 64 row / 1024 column embeddings,
 * nn.TransformerDecoderLayer = self-attn + cross-attn (in_proj 3d*d+3d, out_proj
 * d*d+d) + linear1/linear2 + 3 LayerNorms, final LayerNorm, head).
 */
function torchReferenceParams(a: RefShape): number {
  const conv = (cin: number, cout: number, k: number): number => cin * cout * k * k;
  const bn = (c: number): number => 2 * c;
  let n = conv(1, a.channels[0]!, a.stem) + bn(a.channels[0]!);
  let cin = a.channels[0]!;
  for (const cout of a.channels) {
    for (let i = 0; i < a.blocks; i++) {
      n += conv(cin, cout, 3) + bn(cout) + conv(cout, cout, 3) + bn(cout) + conv(cin, cout, 1) + bn(cout);
      cin = cout;
    }
  }
  const d = a.d;
  n += cin * d + d; // proj 1x1 with bias
  n += 64 * d + 1024 * d + a.vocab * d + a.maxLen * d;
  const mha = 3 * d * d + 3 * d + d * d + d;
  n += a.layers * (2 * mha + (d * a.ff + a.ff) + (a.ff * d + d) + 3 * 2 * d);
  n += 2 * d + d * a.vocab + a.vocab;
  return n;
}

describe('ResnetTransformer', () => {
  it('defaults equal the torch reference: 887,411 parameters for vocab 83, max_len 32', () => {
    const mapping = buildMapping(DEFAULT_CHARACTERS.slice(0, 79));
    expect(mapping).toHaveLength(83);
    const m = keep(new ResnetTransformer(ResnetTransformerConfig.parse({}), { inputDims: [1, 28, 256], outputDims: [32], mapping }));
    const ref = torchReferenceParams({ channels: [32, 64, 128], blocks: 1, stem: 5, d: 128, ff: 256, layers: 2, vocab: 83, maxLen: 32 });
    expect(ref).toBe(887411); // "0.89M" as the reference prints
    expect(m.numParameters()).toBe(ref);
  });

  it('parameter count follows the reference formula for other shapes too', () => {
    const m = keep(new ResnetTransformer(ResnetTransformerConfig.parse({
      stem_kernel: 3,
      stem_channels: 16, // the reference's stem width is the first stage's
      stages: [{ channels: 16, stride: 2, blocks: 2 }, { channels: 24, stride: [2, 1], blocks: 2 }],
      tf_dim: 48, tf_fc_dim: 96, tf_nhead: 6, tf_layers: 3,
    }), dataConfig(16, 48, 10)));
    expect(m.numParameters()).toBe(torchReferenceParams({
      channels: [16, 24], blocks: 2, stem: 3, d: 48, ff: 96, layers: 3, vocab: MAPPING.length, maxLen: 10,
    }));
  });

  it.each([
    { name: 'strides 2 then [2,1]', overrides: {}, h: 16, w: 48, tokens: 4 * 24 },
    { name: 'stride [2,1] keeps width', overrides: { stages: [{ channels: 8, stride: [2, 1] }, { channels: 16, stride: [2, 1] }] }, h: 16, w: 48, tokens: 4 * 48 },
    { name: 'two blocks per stage, stride 1', overrides: { stages: [{ channels: 8, stride: 1, blocks: 2 }, { channels: 16, stride: 2, blocks: 2 }] }, h: 12, w: 20, tokens: 6 * 10 },
    { name: 'strides 2,2', overrides: { stages: [{ channels: 8, stride: 2 }, { channels: 16, stride: 2 }] }, h: 16, w: 48, tokens: 4 * 12 },
    { name: 'sinusoidal positions', overrides: { pos_encoding: 'sinusoidal' }, h: 16, w: 48, tokens: 4 * 24 },
  ])('$name: logits [B,S,V] and memory of H\'*W\' tokens', ({ overrides, h, w, tokens }) => {
    const m = keep(tinyModel(overrides, dataConfig(h, w)));
    const x = images(3, h, w);
    const y = labels(3, 7);
    const memory = m.encode(x);
    expect(memory.shape).toEqual([3, tokens, 32]);
    const logits = m.logits(x, y);
    expect(logits.shape).toEqual([3, 7, MAPPING.length]);
    expect(Number.isFinite(tf.tidy(() => tf.sum(logits).dataSync()[0]!))).toBe(true);
    tf.dispose([x, y, memory, logits]);
  });

  it('learned positions are the sum of row and column embeddings', () => {
    const m = keep(tinyModel());
    const p = new Map(m.namedParameters());
    m.train(false);
    const x = images(1, 16, 48);
    const withPos = m.encode(x);
    const row = p.get('image_pos.row.weight')!;
    const col = p.get('image_pos.col.weight')!;
    // token (i, j) = features + row[i] + col[j]: zero the tables and compare.
    const r0 = tf.tidy(() => tf.slice(row, [1, 0], [1, 32]));
    const c0 = tf.tidy(() => tf.slice(col, [5, 0], [1, 32]));
    row.assign(tf.zerosLike(row));
    col.assign(tf.zerosLike(col));
    const noPos = m.encode(x);
    const token = 1 * 24 + 5; // feature map 4 x 24
    const delta = tf.tidy(() => tf.sub(tf.slice(withPos, [0, token, 0], [1, 1, 32]), tf.slice(noPos, [0, token, 0], [1, 1, 32])));
    const want = tf.tidy(() => tf.add(r0, c0));
    Array.from(want.dataSync()).forEach((v, i) => expect(delta.dataSync()[i]).toBeCloseTo(v, 5));
    tf.dispose([x, withPos, noPos, r0, c0, delta, want]);
  });

  it('the decoder is causal: logits at position t ignore later input tokens', () => {
    const m = keep(tinyModel());
    m.train(false);
    const x = images(2, 16, 48);
    const a = labels(2, 6, 3);
    const b = tf.tidy(() => tf.concat([tf.slice(a, [0, 0], [2, 4]), tf.fill([2, 2], 5, 'int32')], 1)) as tf.Tensor2D;
    const la = m.logits(x, a);
    const lb = m.logits(x, b);
    const first = tf.tidy(() => tf.max(tf.abs(tf.sub(tf.slice(la, [0, 0, 0], [2, 4, -1]), tf.slice(lb, [0, 0, 0], [2, 4, -1])))).dataSync()[0]!);
    const last = tf.tidy(() => tf.max(tf.abs(tf.sub(la, lb))).dataSync()[0]!);
    expect(first).toBeLessThan(1e-5);
    expect(last).toBeGreaterThan(1e-3);
    tf.dispose([x, a, b, la, lb]);
  });

  it('tf_dropout is active in train mode only (seeded), and off by default', () => {
    const diff = (a: tf.Tensor, b: tf.Tensor): number => tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]!);
    const x = images(2, 16, 48);
    const y = labels(2, 5);
    const run = (m: ResnetTransformer): [tf.Tensor, tf.Tensor] => [m.logits(x, y), m.logits(x, y)];
    const drop = keep(tinyModel({ tf_dropout: 0.5 }));
    drop.train(false); // eval: deterministic (BatchNorm running stats, no dropout)
    const [e1, e2] = run(drop);
    expect(diff(e1, e2)).toBe(0);
    drop.train(true);
    const [t1, t2] = run(drop);
    expect(diff(t1, t2)).toBeGreaterThan(1e-3);
    const twin = keep(tinyModel({ tf_dropout: 0.5 }));
    twin.train(false);
    tf.dispose(run(twin)); // same calls as `drop`, so the same dropout stream position
    twin.train(true);
    const [s1] = run(twin);
    expect(diff(s1, t1)).toBe(0); // same seed -> same dropout masks
    s1.dispose();
    const plain = keep(tinyModel());
    const [p1, p2] = run(plain); // train mode, dropout 0: batch statistics are the same both times
    expect(diff(p1, p2)).toBeLessThan(1e-5);
    tf.dispose([x, y, e1, e2, t1, t2, p1, p2]);
  });

  it('bn_momentum reaches every BatchNorm: with momentum 1 eval mode reproduces the last train batch', () => {
    const x = images(2, 16, 48);
    const y = labels(2, 5);
    const gap = (m: ResnetTransformer): number => {
      m.train(true);
      const t = m.logits(x, y); // running stats := this batch's statistics (unbiased variance)
      m.train(false);
      const e = m.logits(x, y);
      const d = tf.tidy(() => tf.max(tf.abs(tf.sub(t, e))).dataSync()[0]!);
      tf.dispose([t, e]);
      return d;
    };
    expect(gap(keep(tinyModel({ bn_momentum: 1 })))).toBeLessThan(0.05);
    expect(gap(keep(tinyModel()))).toBeGreaterThan(0.2); // momentum 0.1: running stats still near their init
    tf.dispose([x, y]);
  });

  it('validates config and links: strict keys, heads dividing tf_dim, feature map vs max_cols, max_seq_length, input channels', () => {
    expect(() => ResnetTransformerConfig.parse({ tf_heads: 4 })).toThrow();
    const code = (fn: () => unknown): string | undefined => {
      try {
        keep(fn() as ResnetTransformer);
      } catch (err) {
        return isHtrError(err) ? err.code : String(err);
      }
      return undefined;
    };
    expect(code(() => tinyModel({ tf_nhead: 3 }))).toBe('HTR_ERR_CONFIG_INVALID');
    expect(code(() => tinyModel({ max_cols: 8 }))).toBe('HTR_ERR_CONFIG_LINK');
    expect(code(() => tinyModel({ max_seq_length: 9 }))).toBe('HTR_ERR_CONFIG_LINK');
    expect(code(() => tinyModel({}, { ...dataConfig(), mapping: ['a', 'b'] }))).toBe('HTR_ERR_CONFIG_LINK');
    const m = keep(tinyModel());
    const x3 = tf.zeros([1, 16, 48, 3]) as tf.Tensor4D;
    const y = labels(1, 2);
    expect(() => m.logits(x3, y)).toThrow(/HTR_ERR_SHAPE_MISMATCH/);
    const x = images(1, 16, 48);
    expect(() => m.logits(x, labels(1, 9))).toThrow(/HTR_ERR_SHAPE_MISMATCH/);
    tf.dispose([x3, y, x]);
  });

  it('is registered as ResnetTransformer; the registry parses defaults and links the data config', () => {
    const entry = getModelEntry('ResnetTransformer');
    const config = entry.schema.parse({ tf_layers: 1 });
    const m = keep(entry.create(config, dataConfig()) as ResnetTransformer);
    expect(m).toBeInstanceOf(ResnetTransformer);
    expect(m.config.tf_dim).toBe(128);
    expect(m.maxLength).toBe(8);
    expect(m.vocabSize).toBe(MAPPING.length);
    expect(Object.keys(ResnetTransformerConfig.shape).every((k) => ResnetTransformerConfig.shape[k as keyof typeof ResnetTransformerConfig.shape].description)).toBe(true);
  });
});
