/** Encoder and decoder variants of the main job: a strided stem, and the decoder attending to the CTC columns. */
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { ResnetTransformer, ResnetTransformerConfig } from '../../../model_package/models/resnet_transformer.js';
import { buildMapping } from '../../../model_package/core/tokenizer.js';
import type { DataConfig } from '../../../model_package/core/data_types.js';
import { expectNoTensorLeak, useCpuBackend } from '../../helpers/tf.js';
import '../../../model_package/backend/register_gradients.js';

beforeAll(useCpuBackend);

const DATA: DataConfig = { inputDims: [1, 16, 128], outputDims: [8], mapping: buildMapping('abcdef ') };
const SMALL = {
  stem_kernel: 3, stem_channels: 4, tf_dim: 16, tf_fc_dim: 32, tf_nhead: 2, tf_layers: 1, ctc_weight: 0.5,
  stages: [{ channels: 8, stride: 2 }, { channels: 16, stride: [2, 1] }],
};
const build = (extra: Record<string, unknown>) => new ResnetTransformer(ResnetTransformerConfig.parse({ ...SMALL, ...extra }), DATA);

describe('stem_stride', () => {
  it('downsamples in the stem: stride 2 there and 1 in the first stage gives the default frame count', () => {
    const reference = build({});
    const strided = build({ stem_stride: 2, stages: [{ channels: 8, stride: 1 }, { channels: 16, stride: [2, 1] }] });
    const x = tf.randomUniform([2, 16, 96, 1], 0, 1, 'float32', 1) as tf.Tensor4D;
    for (const m of [reference, strided]) {
      m.train(false);
      expect(m.ctcFrames(96)).toBe(48);
      const memory = m.encode(x);
      expect(memory.shape).toEqual([2, 4 * 48, 16]); // 16/4 rows × 96/2 columns
      memory.dispose();
    }
    expect(build({ stem_stride: [2, 1] }).ctcFrames(96)).toBe(48);
    expect(build({ stem_stride: 2 }).ctcFrames(96)).toBe(24);
    tf.dispose([x]);
    reference.dispose();
    strided.dispose();
  });
});

describe("decoder_memory 'columns'", () => {
  it('the decoder attends to the W\' columns instead of the H\'xW\' image tokens; the weights are the same', () => {
    const image = build({ seed: 4 });
    const columns = build({ seed: 4, decoder_memory: 'columns' });
    expect(columns.parameters().length).toBe(image.parameters().length);
    const x = tf.randomUniform([2, 16, 64, 1], 0, 1, 'float32', 2) as tf.Tensor4D;
    for (const m of [image, columns]) m.train(false);
    const a = image.encode(x);
    const b = columns.encode(x);
    expect(a.shape).toEqual([2, 4 * 32, 16]);
    expect(b.shape).toEqual([2, 32, 16]);
    // The CTC head reads the same columns either way.
    const ctcA = image.ctcLogits(x);
    const ctcB = columns.ctcLogits(x);
    expect(tf.tidy(() => tf.max(tf.abs(tf.sub(ctcA, ctcB))).dataSync()[0])).toBe(0);
    tf.dispose([x, a, b, ctcA, ctcB]);
    image.dispose();
    columns.dispose();
  });

  it('jointLogits equals the separate passes, and cached greedy decoding equals uncached', async () => {
    const m = build({ decoder_memory: 'columns', seed: 5 });
    m.train(false);
    const x = tf.randomUniform([3, 16, 64, 1], 0, 1, 'float32', 7) as tf.Tensor4D;
    const yIn = tf.tensor2d([[1, 4, 5, 6], [1, 7, 2, 3], [1, 3, 3, 3]], [3, 4], 'int32');
    tf.dispose(m.greedyDecode(x, { maxLength: 2 })); // folds the decoder, which the model keeps
    await expectNoTensorLeak(() => {
      const joint = m.jointLogits(x, yIn);
      const ctc = m.ctcLogits(x);
      const ce = m.logits(x, yIn);
      expect(tf.tidy(() => tf.max(tf.abs(tf.sub(joint.ctcLogits, ctc))).dataSync()[0])).toBeLessThan(1e-5);
      expect(tf.tidy(() => tf.max(tf.abs(tf.sub(joint.logits, ce))).dataSync()[0])).toBeLessThan(1e-5);
      const cached = m.greedyDecode(x, { useCache: true, earlyStop: false });
      const uncached = m.greedyDecode(x, { useCache: false, earlyStop: false });
      expect(cached.arraySync()).toEqual(uncached.arraySync());
      tf.dispose([joint.logits, joint.ctcLogits, ctc, ce, cached, uncached]);
    }, 'columns-memory decoding');
    tf.dispose([x, yIn]);
    m.dispose();
  });

  it('the cross-entropy loss alone trains the CTC context layers (they feed the decoder)', () => {
    const yIn = tf.tensor2d([[1, 4, 5, 6], [1, 7, 2, 3]], [2, 4], 'int32');
    const target = tf.oneHot(tf.tensor2d([[4, 5, 6, 2], [7, 2, 3, 2]], [2, 4], 'int32'), DATA.mapping.length);
    const x = tf.randomUniform([2, 16, 64, 1], 0, 1, 'float32', 3) as tf.Tensor4D;
    const contextGradNorm = (memory: string): number => {
      const m = build({ decoder_memory: memory, seed: 6 });
      const context = new Set(m.namedParameters().filter(([name]) => name.startsWith('ctc_context.')).map(([, v]) => v.name));
      expect(context.size).toBeGreaterThan(0);
      const { grads } = tf.variableGrads(() => tf.losses.softmaxCrossEntropy(target, m.logits(x, yIn)) as tf.Scalar, m.parameters());
      const contextGrads = Object.entries(grads).filter(([name]) => context.has(name)).map(([, g]) => g);
      const norm = tf.tidy(() => contextGrads.reduce((n, g) => n + tf.sum(tf.square(g)).dataSync()[0]!, 0));
      tf.dispose(Object.values(grads));
      m.dispose();
      return norm;
    };
    expect(contextGradNorm('columns')).toBeGreaterThan(1e-8);
    expect(contextGradNorm('image')).toBe(0);
    tf.dispose([yIn, target, x]);
  });
});
