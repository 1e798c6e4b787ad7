/**
 * The benchmark model: the default ResnetTransformer (or a variant from the same flags
 * as ../shared/bench/torch_reference.py) on a synthetic vocabulary, with a fixed
 * random batch. Shared by train_step.ts, profile_step.ts and width_scaling.ts.
 */
import * as tf from '@tensorflow/tfjs-core';
import { ResnetTransformer, ResnetTransformerConfig } from '../../model_package/models/resnet_transformer.js';
import { SPECIAL_TOKENS } from '../../model_package/core/tokenizer.js';
import type { Batch } from '../../model_package/core/data_types.js';

/**
 * parseArgs options for the model shape (the torch reference's flags and defaults), plus four the
 * reference lacks: a stride may be "HxW" (the main job's last stage is 2x1), --ctc-weight > 0
 * adds the CTC head and its loss, --stem-stride strides the stem convolution, and --decoder-memory
 * columns makes the decoder attend to the CTC columns.
 */
export const MODEL_ARGS = {
  batch: { type: 'string', default: '16' },
  height: { type: 'string', default: '28' },
  width: { type: 'string', default: '256' },
  channels: { type: 'string', default: '32,64,128' },
  strides: { type: 'string', default: '2,2,2' },
  blocks: { type: 'string', default: '1' },
  'd-model': { type: 'string', default: '128' },
  heads: { type: 'string', default: '4' },
  layers: { type: 'string', default: '2' },
  ff: { type: 'string', default: '256' },
  vocab: { type: 'string', default: '83' },
  'max-len': { type: 'string', default: '32' },
  'ctc-weight': { type: 'string', default: '0' },
  'stem-stride': { type: 'string', default: '1' },
  'decoder-memory': { type: 'string', default: 'image' },
} as const;

export type ModelArgs = { [K in keyof typeof MODEL_ARGS]?: string | boolean };

export interface BenchModel {
  readonly model: ResnetTransformer;
  readonly x: tf.Tensor4D;
  readonly y: tf.Tensor2D;
  /** The same batch as plain data (for the trainer's step functions). */
  readonly batch: Batch;
  dispose(): void;
}

export function buildBenchModel(a: ModelArgs, size?: { width?: number; batch?: number; ctcWeight?: number }): BenchModel {
  const int = (k: keyof typeof MODEL_ARGS): number => Number(a[k] ?? MODEL_ARGS[k].default);
  const batch = size?.batch ?? int('batch');
  const height = int('height');
  const width = size?.width ?? int('width');
  const maxLen = int('max-len');
  const vocab = int('vocab');
  const chans = String(a.channels ?? MODEL_ARGS.channels.default).split(',').map(Number);
  const strides = String(a.strides ?? MODEL_ARGS.strides.default).split(',').map(parseStride);
  const config = ResnetTransformerConfig.parse({
    stem_channels: chans[0],
    decoder_memory: a['decoder-memory'] ?? MODEL_ARGS['decoder-memory'].default,
    stem_stride: parseStride(String(a['stem-stride'] ?? MODEL_ARGS['stem-stride'].default)),
    stages: chans.map((c, i) => ({ channels: c, stride: strides[i] ?? 2, blocks: int('blocks') })),
    tf_dim: int('d-model'),
    tf_nhead: int('heads'),
    tf_layers: int('layers'),
    tf_fc_dim: int('ff'),
    ctc_weight: size?.ctcWeight ?? Number(a['ctc-weight'] ?? 0),
  });
  const chars = Array.from({ length: vocab - SPECIAL_TOKENS.length }, (_, i) => String.fromCodePoint(0x21 + i));
  const model = new ResnetTransformer(config, {
    inputDims: [1, height, width],
    outputDims: [maxLen],
    mapping: [...SPECIAL_TOKENS, ...chars],
  });
  const x = tf.tidy(() => tf.randomUniform([batch, height, width, 1], 0, 1, 'float32', 0)) as tf.Tensor4D;
  const y = tf.tidy(() => tf.randomUniform([batch, maxLen], 3, vocab, 'int32', 1)) as tf.Tensor2D;
  const plain: Batch = {
    x: Float32Array.from(x.dataSync()),
    y: Int32Array.from(y.dataSync()),
    batchSize: batch,
    height,
    width,
    widths: new Int32Array(batch).fill(width),
    seqLength: maxLen,
    texts: [],
    ids: [],
  };
  return {
    model,
    x,
    y,
    batch: plain,
    dispose() {
      x.dispose();
      y.dispose();
      model.dispose();
    },
  };
}

/** "2" → 2, "2x1" → [2, 1] (height, width). */
function parseStride(token: string): number | [number, number] {
  const [h, w] = token.split('x').map(Number);
  return w === undefined ? h! : [h!, w];
}
