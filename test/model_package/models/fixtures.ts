/** Small model configurations shared by the model tests (fast on the cpu backend). */
import * as tf from '@tensorflow/tfjs-core';
import { buildMapping } from '../../../model_package/core/tokenizer.js';
import type { DataConfig } from '../../../model_package/core/data_types.js';
import { ResnetTransformer, ResnetTransformerConfig } from '../../../model_package/models/resnet_transformer.js';
import { Rng } from '../../../model_package/core/rng.js';

export const MAPPING = buildMapping('abcdefgh ');

export function dataConfig(height = 16, width = 48, maxLength = 8): DataConfig {
  return { inputDims: [1, height, width], outputDims: [maxLength], mapping: MAPPING };
}

/** A tiny model: 2 stages, d_model 32, 2 heads, 2 layers. */
export function tinyModel(overrides: Record<string, unknown> = {}, data: DataConfig = dataConfig()): ResnetTransformer {
  const config = ResnetTransformerConfig.parse({
    stem_kernel: 3,
    stem_channels: 8,
    stages: [{ channels: 8, stride: 2 }, { channels: 16, stride: [2, 1] }],
    tf_dim: 32,
    tf_fc_dim: 64,
    tf_nhead: 2,
    tf_layers: 2,
    ...overrides,
  });
  return new ResnetTransformer(config, data);
}

/** Deterministic images [B,H,W,1] in [0,1]. */
export function images(b: number, h: number, w: number, seed = 1): tf.Tensor4D {
  const rng = new Rng(seed);
  const data = new Float32Array(b * h * w).map(() => rng.next());
  return tf.tensor4d(data, [b, h, w, 1]);
}

/** Deterministic label prefixes [B,S]: <S> then random character ids. */
export function labels(b: number, s: number, seed = 2): tf.Tensor2D {
  const rng = new Rng(seed);
  const data = new Int32Array(b * s).map((_, i) => (i % s === 0 ? 1 : rng.int(4, MAPPING.length - 1)));
  return tf.tensor2d(data, [b, s], 'int32');
}

export function maxAbsDiff(a: tf.Tensor, b: tf.Tensor): number {
  return tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0] as number);
}
