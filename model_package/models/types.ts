/**
 * What the Trainer, inference and serving need from a recognizer. Concrete models
 * live beside this file and are listed in `registry.ts`.
 */
import type * as tf from '@tensorflow/tfjs-core';
import type { DataConfig } from '../core/data_types.js';

/** Parameters and buffers by dotted name ("encoder.stage0.block0.conv1.weight"). */
export interface Module {
  /** Trainable weights. */
  namedParameters(): Array<[string, tf.Variable]>;
  /** Non-trainable state saved with the weights (BatchNorm running statistics). */
  namedBuffers(): Array<[string, tf.Variable]>;
  /** Train mode: BatchNorm uses batch statistics and updates running ones; dropout on. */
  train(mode?: boolean): void;
  readonly training: boolean;
  numParameters(): number;
  /** Copies of every parameter and buffer; the caller owns (disposes) them. */
  stateDict(): Map<string, tf.Tensor>;
  /** Assigns values by name; unknown, missing or mis-shaped names are an HTR_ERR_SHAPE_MISMATCH. */
  loadStateDict(state: ReadonlyMap<string, tf.Tensor>): void;
  dispose(): void;
}

export interface BeamHypothesis {
  /** Token ids after <S>, up to and excluding <E>. */
  readonly tokens: readonly number[];
  readonly text: string;
  /** Probability of each emitted character under the model. */
  readonly charProbs: readonly number[];
  /** exp(mean log-prob) of the sequence including <E>. */
  readonly confidence: number;
}

export interface DecodeOptions {
  /** Reuse keys/values of earlier steps (default true). */
  readonly useCache?: boolean;
  /** Stop once every row has emitted <E> (default true). */
  readonly earlyStop?: boolean;
  /** Tokens to produce including <S>; default the model's max_seq_length. */
  readonly maxLength?: number;
}

/** One-token-at-a-time view of a decoder, shared by greedy decoding and beam search (implementations: step_decoder.ts). */
export interface StepDecoder {
  /** Rows decoded together (batch, or batch x beam width). */
  readonly rows: number;
  /** Tokens fed so far per row. */
  readonly length: number;
  /** Feeds one token id per row at the next position; returns logits [rows, vocab] (caller disposes). */
  step(tokens: Int32Array): tf.Tensor2D;
  /**
   * Row i continues from row `parents[i]`'s prefix (beam search). A parent must
   * attend to the same image as row i: the image memory is not reordered.
   */
  reorder(parents: Int32Array): void;
  dispose(): void;
}

export interface Recognizer extends Module {
  readonly dataConfig: DataConfig;
  /**
   * Teacher-forced logits: x [B,H,W,1] float, yIn [B,S] int32 (labels without the
   * last position) -> [B,S,vocab]. Honors train/eval mode.
   */
  logits(x: tf.Tensor4D, yIn: tf.Tensor2D): tf.Tensor3D;
  /** Greedy decoding; returns int32 ids [B, L] starting with <S>, padded with <P> after <E>. Caller owns it. */
  greedyDecode(x: tf.Tensor4D, options?: DecodeOptions): tf.Tensor2D;
  /** Beam search per row; plain data out, no tensors leak. */
  beamSearch(x: tf.Tensor4D, beamWidth: number, options?: DecodeOptions): Promise<BeamHypothesis[]>;
  /**
   * Optional one-token-at-a-time decoder over x (each image repeated `repeat` times),
   * for callers that need the step probabilities (inference's per-character
   * confidence) without a second teacher-forced pass. The caller disposes it.
   */
  stepDecoder?(x: tf.Tensor4D, repeat: number, useCache: boolean): StepDecoder;
  /** Weight of the CTC loss in joint training; 0 (or absent) when the model has no CTC head. */
  readonly ctcWeight?: number;
  /**
   * True when a training forward pass draws no random numbers (no dropout): only then may
   * a backend compile the train step (a compiled step would replay one random draw).
   */
  readonly deterministicTraining?: boolean;
  /** CTC logits [B, frames, vocab] (blank = index 0), pre-softmax. Caller owns them. */
  ctcLogits?(x: tf.Tensor4D): tf.Tensor3D;
  /** Decoder and CTC logits from one encoder pass. Caller owns both. */
  jointLogits?(x: tf.Tensor4D, yIn: tf.Tensor2D): { logits: tf.Tensor3D; ctcLogits: tf.Tensor3D };
  /**
   * Parameters indexed by vocabulary token, with the axis that is (embedding rows,
   * head columns): fine-tuning onto another vocabulary maps these by character.
   */
  vocabAxes?(): Readonly<Record<string, number>>;
  /** CTC frames for an input `width` pixels wide. */
  ctcFrames?(width: number): number;
}
