/**
 * ResNet encoder + pre-norm transformer decoder text recognizer, mirrored in stock
 * PyTorch by bench/torch_mirror.py. Defaults (0.89M parameters for 83 tokens, length 32):
 * stem conv5x5 -> 32, stages 32/64/128 with stride 2 and one basic block each, a
 * 1x1 projection to 128, learned row/column/text positions, 2 decoder layers
 * (4 heads, feed-forward 256, dropout 0) and a linear head.
 *
 * Image tokens: the feature map [B,H',W',D] flattened row-major to [B,H'*W',D].
 * Decoding always runs in eval mode (running BatchNorm statistics, no dropout) and
 * restores the previous mode afterwards.
 */
import * as tf from '@tensorflow/tfjs-core';
import { z } from 'zod';
import { htrError } from '../errors.js';
import { Tokenizer } from '../core/tokenizer.js';
import type { DataConfig } from '../core/data_types.js';
import { Rng } from '../core/rng.js';
import { BaseModule, tidy } from './module.js';
import { Conv2d } from './layers/conv2d.js';
import { Embedding } from './layers/embedding.js';
import { Linear } from './layers/linear.js';
import { causalMask, type KV } from './layers/multi_head_attention.js';
import { ResnetEncoder } from './resnet_encoder.js';
import { ImagePositions, TextPositions } from './positional_encoding.js';
import { TransformerDecoder } from './transformer_decoder.js';
import { ColumnEncoder } from './column_encoder.js';
import { greedyLoop } from './decoding/greedy.js';
import { beamSearchLoop } from './decoding/beam_search.js';
import { CachedStepDecoder, FullStepDecoder, type StepModel } from './step_decoder.js';
import { FoldedDecoder } from './folded_decoder.js';
import { DerivedWeights } from './derived_weights.js';
import { CompiledFunctions } from './compiled_functions.js';
import type { BeamHypothesis, DecodeOptions, Recognizer, StepDecoder } from './types.js';

const positiveInt = z.number().int().positive();
const Stride = z.union([positiveInt, z.tuple([positiveInt, positiveInt])]);

export const StageConfig = z.strictObject({
  channels: positiveInt.describe('Output channels of every block in the stage'),
  stride: Stride.default(2).describe('Stride of the first block: an int or [h, w] (e.g. [2, 1] keeps width)'),
  blocks: positiveInt.default(1).describe('Basic blocks in the stage'),
});

export const ResnetTransformerConfig = z.strictObject({
  stem_kernel: positiveInt.default(5).describe('Kernel size of the stem convolution (padding kernel/2)'),
  stem_channels: positiveInt.default(32).describe('Output channels of the stem convolution'),
  stem_stride: Stride.default(1)
    .describe('Stride of the stem convolution: 2 halves the largest activations (the cheapest place to downsample; then give the first stage stride 1)'),
  stages: z.array(StageConfig).min(1)
    .default([
      { channels: 32, stride: 2, blocks: 1 },
      { channels: 64, stride: 2, blocks: 1 },
      { channels: 128, stride: 2, blocks: 1 },
    ])
    .describe('ResNet stages: list of {channels, stride, blocks}'),
  conv_bias: z.boolean().default(false).describe('Give encoder convolutions a bias (BatchNorm follows each, so off by default)'),
  bn_momentum: z.number().gt(0).max(1).default(0.1)
    .describe('BatchNorm running-statistics momentum (PyTorch 0.1); higher tracks fast-changing weights sooner, e.g. when overfitting one batch'),
  tf_dim: positiveInt.default(128).describe('Transformer width d_model (also the 1x1 projection output)'),
  tf_fc_dim: positiveInt.default(256).describe('Transformer feed-forward hidden size'),
  tf_nhead: positiveInt.default(4).describe('Attention heads (must divide tf_dim)'),
  tf_layers: positiveInt.default(2).describe('Transformer decoder layers'),
  tf_dropout: z.number().min(0).max(1).default(0).describe('Dropout in the decoder (attention, feed-forward, residuals)'),
  pos_encoding: z.enum(['learned', 'sinusoidal']).default('learned')
    .describe('Position encodings: learned row/column + 1-D text embeddings, or fixed sinusoids'),
  max_rows: positiveInt.default(64).describe('Learned row positions: maximum feature-map height'),
  max_cols: positiveInt.default(1024).describe('Learned column positions: maximum feature-map width'),
  max_seq_length: positiveInt.optional()
    .describe('Label length incl. <S> and <E>; linked from the data module (set only to assert it)'),
  seed: z.number().int().min(0).default(0).describe('Seed of the weight initialisation (same seed, same weights)'),
  ctc_weight: z.number().min(0).max(1).default(0)
    .describe('Weight of the CTC loss in ctc_weight*CTC + (1-ctc_weight)*CE; > 0 adds a CTC head on the encoder columns (0 = no head, the reference model)'),
  init_from: z.string().min(1).optional()
    .describe('checkpoint whose weights start a fit (fine-tuning): other vocabularies are mapped by character, new characters start fresh'),
  ctc_context_layers: z.number().int().min(0).default(1)
    .describe('Transformer encoder layers over the columns before the CTC head (context beyond the ResNet receptive field); used when ctc_weight > 0'),
  decoder_memory: z.enum(['image', 'columns']).default('image')
    .describe("What the decoder attends to: every image token (H'xW', the reference model) or the columns the CTC head reads (W', height-averaged, with the CTC context): fewer tokens, and already aligned by CTC"),
});
export type ResnetTransformerConfig = z.infer<typeof ResnetTransformerConfig>;

export class ResnetTransformer extends BaseModule implements Recognizer, StepModel {
  readonly config: ResnetTransformerConfig;
  readonly dataConfig: DataConfig;
  readonly vocabSize: number;
  /** Tokens per sequence including <S> and <E> (data's outputDims[0]). */
  readonly maxLength: number;
  readonly heads: number;
  private readonly tokenizer: Tokenizer;
  private readonly encoder: ResnetEncoder;
  private readonly proj: Conv2d;
  private readonly imagePos: ImagePositions;
  private readonly tokenEmb: Embedding;
  private readonly textPos: TextPositions;
  private readonly decoder: TransformerDecoder;
  private readonly head: Linear;
  /** Linear CTC head over height-pooled encoder columns; present when ctc_weight > 0. */
  private readonly ctcHead: Linear | undefined;
  private readonly ctcContext: ColumnEncoder | undefined;
  private readonly folded = new DerivedWeights<FoldedDecoder>();
  /** Eval-mode passes over an image batch compiled per input shape (compiled_functions.ts), dropped when any state changes. */
  private readonly evalPasses = new DerivedWeights<CompiledFunctions>();
  /** The key/value layout of the last memory pass per compiled key (a compiled run returns bare tensors). */
  private readonly memoryLayouts = new Map<string, Array<Omit<KV, 'k' | 'v'>>>();

  constructor(config: ResnetTransformerConfig, dataConfig: DataConfig) {
    super();
    this.config = config;
    this.dataConfig = dataConfig;
    const [channels, height, width] = dataConfig.inputDims;
    this.maxLength = dataConfig.outputDims[0];
    if (config.max_seq_length !== undefined && config.max_seq_length !== this.maxLength) {
      throw htrError('HTR_ERR_CONFIG_LINK', {
        key: 'model.max_seq_length', reason: `model says ${config.max_seq_length}, data module says ${this.maxLength}`,
      });
    }
    try {
      this.tokenizer = new Tokenizer(dataConfig.mapping);
    } catch (err) {
      throw htrError('HTR_ERR_CONFIG_LINK', { key: 'data.mapping', reason: (err as Error).message }, err);
    }
    if (config.tf_dim % config.tf_nhead !== 0) {
      throw htrError('HTR_ERR_CONFIG_INVALID', { key: 'model.tf_nhead', reason: `${config.tf_nhead} does not divide tf_dim ${config.tf_dim}` });
    }
    this.vocabSize = dataConfig.mapping.length;
    this.heads = config.tf_nhead;
    const rng = new Rng(config.seed);
    const d = config.tf_dim;
    const kind = config.pos_encoding;
    this.encoder = this.registerModule('encoder', new ResnetEncoder({
      inChannels: channels, stemKernel: config.stem_kernel, stemChannels: config.stem_channels, stemStride: config.stem_stride,
      stages: config.stages, convBias: config.conv_bias, bnMomentum: config.bn_momentum, rng,
    }));
    const [fh, fw] = this.encoder.outputSize(height, width);
    if (kind === 'learned' && (fh > config.max_rows || fw > config.max_cols)) {
      throw htrError('HTR_ERR_CONFIG_LINK', {
        key: 'model.max_rows/max_cols',
        reason: `input ${height}x${width} gives a ${fh}x${fw} feature map, over ${config.max_rows}x${config.max_cols}`,
      });
    }
    this.proj = this.registerModule('proj', new Conv2d({ inChannels: this.encoder.outChannels, outChannels: d, kernel: 1, bias: true, rng }));
    this.imagePos = this.registerModule('image_pos', new ImagePositions({ kind, dim: d, maxRows: config.max_rows, maxCols: config.max_cols, rng }));
    this.tokenEmb = this.registerModule('token_emb', new Embedding({ num: this.vocabSize, dim: d, rng }));
    this.textPos = this.registerModule('text_pos', new TextPositions({ kind, dim: d, maxLength: this.maxLength, rng }));
    this.decoder = this.registerModule('decoder', new TransformerDecoder({
      dim: d, ffDim: config.tf_fc_dim, heads: config.tf_nhead, layers: config.tf_layers, dropout: config.tf_dropout, rng,
    }));
    this.head = this.registerModule('head', new Linear({ inFeatures: d, outFeatures: this.vocabSize, rng }));
    // Created last so the other weights of a seed are the same with or without it.
    const ctc = config.ctc_weight > 0;
    this.ctcContext = ctc && config.ctc_context_layers > 0
      ? this.registerModule('ctc_context', new ColumnEncoder({ dim: d, ffDim: config.tf_fc_dim, heads: config.tf_nhead, layers: config.ctc_context_layers, rng }))
      : undefined;
    this.ctcHead = ctc ? this.registerModule('ctc_head', new Linear({ inFeatures: d, outFeatures: this.vocabSize, rng })) : undefined;
  }

  get deterministicTraining(): boolean {
    return this.config.tf_dropout === 0;
  }

  get ctcWeight(): number {
    return this.ctcHead ? this.config.ctc_weight : 0;
  }

  vocabAxes(): Readonly<Record<string, number>> {
    return { 'token_emb.weight': 0, 'head.weight': 1, 'head.bias': 0, 'ctc_head.weight': 1, 'ctc_head.bias': 0 };
  }

  /** CTC frames (encoder columns) for an input `width` pixels wide. */
  ctcFrames(width: number): number {
    return this.encoder.outputSize(this.dataConfig.inputDims[1], width)[1];
  }

  /** Projected feature map [B,H',W',D], before positions. */
  private featureMap(x: tf.Tensor4D): tf.Tensor4D {
    this.checkInput(x);
    return tf.tidy(() => this.proj.forward(this.encoder.forward(x)));
  }

  /** Feature map -> image tokens [B, H'*W', D] with their positions. */
  private imageTokens(f: tf.Tensor4D): tf.Tensor3D {
    return tf.tidy(() => {
      const [b, h, w, d] = f.shape;
      return tf.add(tf.reshape(f, [b, h * w, d]), this.imagePos.forward(h, w)) as tf.Tensor3D;
    });
  }

  /**
   * Feature map -> columns [B, W', D]: image tokens (features + positions) averaged
   * over the height, one frame per column, then given context. The CTC head reads them.
   */
  private columns(tokens: tf.Tensor3D, [b, h, w, d]: readonly number[]): tf.Tensor3D {
    return tf.tidy(() => {
      const columns = tf.mean(tf.reshape(tokens, [b!, h!, w!, d!]), 1) as tf.Tensor3D;
      return this.ctcContext ? this.ctcContext.forward(columns) : columns;
    });
  }

  private ctcFromColumns(columns: tf.Tensor3D): tf.Tensor3D {
    const head = this.ctcHead;
    if (!head) throw htrError('HTR_ERR_CONFIG_INVALID', { key: 'model.ctc_weight', reason: 'this model has no CTC head (ctc_weight is 0)' });
    return head.forward(columns);
  }

  /** CTC logits [B, W', V] (blank = index 0), pre-softmax. */
  ctcLogits(x: tf.Tensor4D): tf.Tensor3D {
    return this.evalPass('ctc', x, (t) => tf.tidy(() => {
      const f = this.featureMap(t);
      return [this.ctcFromColumns(this.columns(this.imageTokens(f), f.shape))];
    }))[0] as tf.Tensor3D;
  }

  /**
   * fn(x), compiled per input shape in eval mode where the backend compiles functions
   * (one call instead of one per kernel); from its second run for a shape, so that a
   * one-off shape costs no compilation. Training mode runs it as written.
   */
  private evalPass(name: string, x: tf.Tensor4D, fn: (x: tf.Tensor4D) => tf.Tensor[]): tf.Tensor[] {
    if (this.training) return fn(x);
    const state = [...this.parameters(), ...this.namedBuffers().map(([, b]) => b)];
    const passes = this.evalPasses.get(state, () => new CompiledFunctions('existing', { compileOnRun: 2 }));
    return passes.run(`${name}:${x.shape.join('x')}`, ([t]) => fn(t as tf.Tensor4D), [x]);
  }

  /** Teacher-forced decoder logits and CTC logits from one encoder pass (joint training). */
  jointLogits(x: tf.Tensor4D, yIn: tf.Tensor2D): { logits: tf.Tensor3D; ctcLogits: tf.Tensor3D } {
    return tidy(() => {
      const f = this.featureMap(x);
      const tokens = this.imageTokens(f);
      const columns = this.columns(tokens, f.shape);
      const memory = this.config.decoder_memory === 'columns' ? columns : tokens;
      return { logits: this.decodeLogits(this.decoder.memoryKV(memory), yIn), ctcLogits: this.ctcFromColumns(columns) };
    });
  }

  /** The decoder's memory for x [B,H,W,C]: image tokens [B, H'*W', D] or columns [B, W', D] (decoder_memory). */
  encode(x: tf.Tensor4D): tf.Tensor3D {
    return tf.tidy(() => {
      const f = this.featureMap(x);
      const tokens = this.imageTokens(f);
      return this.config.decoder_memory === 'columns' ? this.columns(tokens, f.shape) : tokens;
    });
  }

  logits(x: tf.Tensor4D, yIn: tf.Tensor2D): tf.Tensor3D {
    return tf.tidy(() => {
      const memory = this.encode(x);
      return this.decodeLogits(this.decoder.memoryKV(memory), yIn);
    });
  }

  greedyDecode(x: tf.Tensor4D, options: DecodeOptions = {}): tf.Tensor2D {
    const length = this.decodeLength(options);
    return this.withEvalMode(() => {
      const dec = this.stepDecoder(x, 1, options.useCache ?? true);
      try {
        const ids = greedyLoop(dec, length, options.earlyStop ?? true);
        return tf.tensor2d(ids, [x.shape[0], length], 'int32');
      } finally {
        dec.dispose();
      }
    });
  }

  async beamSearch(x: tf.Tensor4D, beamWidth: number, options: DecodeOptions = {}): Promise<BeamHypothesis[]> {
    if (!Number.isInteger(beamWidth) || beamWidth < 1) {
      throw htrError('HTR_ERR_CONFIG_INVALID', { key: 'beam_width', reason: `must be a positive integer, got ${beamWidth}` });
    }
    const length = this.decodeLength(options);
    // Eval mode is set for the whole (asynchronous) search, not just the first step.
    const was = this.training;
    this.train(false);
    const dec = this.stepDecoder(x, beamWidth, options.useCache ?? true);
    try {
      return await beamSearchLoop(dec, x.shape[0], beamWidth, length, (t) => this.tokenizer.decode(t));
    } finally {
      dec.dispose();
      this.train(was);
    }
  }

  /**
   * A step decoder over `x` with each image repeated `repeat` times (beam slots).
   * Like greedy and beam decoding it runs in eval mode whatever the model's mode.
   * The caller disposes it.
   */
  stepDecoder(x: tf.Tensor4D, repeat: number, useCache: boolean): StepDecoder {
    // Cached steps attend batch-major (no per-step transposes); full passes head-major.
    const layout = useCache ? 'batch' : 'head';
    const key = `memory:${layout}:${repeat}`;
    const flat = this.withEvalMode(() => this.evalPass(key, x, (t) => tidy(() => {
      let memory = this.encode(t);
      if (repeat > 1) {
        const idx = new Int32Array(t.shape[0] * repeat).map((_, i) => Math.floor(i / repeat));
        memory = tf.gather(memory, tf.tensor1d(idx, 'int32'));
      }
      const kvs = this.decoder.memoryKV(memory, layout);
      this.memoryLayouts.set(key, kvs.map(({ kTransposed, layout: l }) => ({ kTransposed, layout: l })));
      return kvs.flatMap((kv) => [kv.k, kv.v]);
    })));
    const memoryKV = this.memoryLayouts.get(key)!.map((m, i): KV => ({ ...m, k: flat[2 * i] as tf.Tensor3D, v: flat[2 * i + 1] as tf.Tensor3D }));
    const rows = x.shape[0] * repeat;
    return useCache ? new CachedStepDecoder(this.foldedDecoder(), memoryKV, rows) : new FullStepDecoder(this, memoryKV, rows);
  }

  /**
   * The decoder folded for cached steps (folded_decoder.ts), owned by the model and folded
   * again when a weight it reads changes.
   */
  foldedDecoder(): FoldedDecoder {
    return this.folded.get(this.decoderWeights(), () => new FoldedDecoder({
      tokenTable: this.tokenEmb.weight as tf.Tensor2D,
      positionTable: () => this.textPos.forward(this.maxLength),
      decoder: this.decoder,
      finalNorm: this.decoder.norm,
      head: this.head,
      heads: this.heads,
    }));
  }

  /** Every weight the folded decoder is made from. */
  private decoderWeights(): tf.Variable[] {
    return [...this.tokenEmb.parameters(), ...this.textPos.parameters(), ...this.decoder.parameters(), ...this.head.parameters()];
  }

  override dispose(): void {
    this.folded.dispose();
    this.evalPasses.dispose();
    super.dispose();
  }

  /** Embedded tokens [B,S,D] at positions 0.. (token + position). */
  private embedTokens(ids: tf.Tensor2D): tf.Tensor3D {
    return tf.tidy(() => tf.add(this.tokenEmb.forward(ids), this.textPos.forward(ids.shape[1])) as tf.Tensor3D);
  }


  /** Teacher-forced logits [B,S,V] of the prefix yIn against precomputed memory K/V. */
  decodeLogits(memoryKV: readonly KV[], yIn: tf.Tensor2D): tf.Tensor3D {
    return tf.tidy(() => {
      const [b, s] = yIn.shape;
      const mask = causalMask(s);
      const h = this.decoder.forward(this.embedTokens(yIn), memoryKV, mask);
      return tf.reshape(this.head.forward(tf.reshape(h, [b * s, this.config.tf_dim]) as tf.Tensor2D), [b, s, this.vocabSize]) as tf.Tensor3D;
    });
  }

  private decodeLength(options: DecodeOptions): number {
    const length = options.maxLength ?? this.maxLength;
    if (!Number.isInteger(length) || length < 2 || length > this.maxLength) {
      throw htrError('HTR_ERR_CONFIG_INVALID', { key: 'maxLength', reason: `must be an integer in [2, ${this.maxLength}], got ${length}` });
    }
    return length;
  }

  private checkInput(x: tf.Tensor4D): void {
    const c = this.dataConfig.inputDims[0];
    if (x.rank !== 4 || x.shape[3] !== c) {
      throw htrError('HTR_ERR_SHAPE_MISMATCH', { key: 'model input x', expected: `[B,H,W,${c}]`, actual: `[${x.shape.join(',')}]` });
    }
  }

  /** Runs `fn` in eval mode and restores the previous mode. */
  withEvalMode<T>(fn: () => T): T {
    const was = this.training;
    this.train(false);
    try {
      return fn();
    } finally {
      this.train(was);
    }
  }
}
