/** The default model at a test-sized input, and its loss + gradients as plain arrays. */
import * as tf from '@tensorflow/tfjs-core';
import { expect } from 'vitest';
import { ResnetTransformer, ResnetTransformerConfig } from '../../../model_package/models/resnet_transformer.js';
import { DEFAULT_CHARACTERS, SPECIAL_TOKENS } from '../../../model_package/core/tokenizer.js';
import { teacherForcedLoss } from '../../../model_package/training/loss.js';

export function tinyDefaultModel(): ResnetTransformer {
  return new ResnetTransformer(ResnetTransformerConfig.parse({}), {
    inputDims: [1, 16, 40],
    outputDims: [8],
    mapping: [...SPECIAL_TOKENS, ...DEFAULT_CHARACTERS],
  });
}

/** Loss and gradients (sorted by parameter name) as plain arrays. */
export async function lossAndGrads(
  model: ResnetTransformer,
  backend: string,
): Promise<{ loss: number; grads: { shape: number[]; data: Float32Array }[] }> {
  await tf.setBackend(backend);
  const before = tf.memory().numTensors;
  const params = model.namedParameters();
  const vocab = model.vocabSize;
  const { value, grads } = tf.tidy(() => {
    const x = tf.randomUniform([2, 16, 40, 1], 0, 1, 'float32', 3) as tf.Tensor4D;
    const y = tf.randomUniform([2, 8], 3, vocab, 'int32', 4) as tf.Tensor2D;
    return tf.variableGrads(() => teacherForcedLoss(model, x, y, { ignorePad: false }), params.map(([, v]) => v));
  });
  const byName = new Map(params.map(([n, v]) => [v.name, n]));
  const out = Object.entries(grads)
    .sort(([a], [b]) => (byName.get(a)! < byName.get(b)! ? -1 : 1))
    .map(([, g]) => ({ shape: g.shape, data: Float32Array.from(g.dataSync()) }));
  const loss = value.dataSync()[0]!;
  tf.dispose([value, ...Object.values(grads)]);
  expect(tf.memory().numTensors, `${backend} leaked tensors`).toBe(before);
  return { loss, grads: out };
}
