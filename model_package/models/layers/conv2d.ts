/**
 * 2-D convolution, NHWC. Weight [kh, kw, cin, cout]; optional bias [cout].
 * A 1x1, stride-1, unpadded conv runs as one 2-D matMul with the weight as the `b`
 * operand (cheaper than conv2d on every backend, and XNNPACK can cache the packing).
 */
import * as tf from '@tensorflow/tfjs-core';
import { BaseModule } from '../module.js';
import { fanInUniform, kaimingNormalFanOut } from '../init.js';
import { DerivedWeights, KeptTensors } from '../derived_weights.js';
import type { BatchNorm2d } from './batch_norm2d.js';
import type { Rng } from '../../core/rng.js';

export type Pair = number | readonly [number, number];

export interface Conv2dOptions {
  readonly inChannels: number;
  readonly outChannels: number;
  readonly kernel: Pair;
  readonly stride?: Pair;
  /** Zero padding on each side (PyTorch's `padding`), as an int or [h, w]. */
  readonly padding?: Pair;
  readonly bias?: boolean;
  readonly rng: Rng;
}

export function pair(p: Pair): [number, number] {
  return typeof p === 'number' ? [p, p] : [p[0], p[1]];
}

export class Conv2d extends BaseModule {
  readonly weight: tf.Variable;
  readonly bias: tf.Variable | null;
  readonly kernel: [number, number];
  readonly stride: [number, number];
  readonly padding: [number, number];
  readonly inChannels: number;
  readonly outChannels: number;
  private readonly folded = new DerivedWeights<KeptTensors<{ filter: tf.Tensor4D; bias: tf.Tensor1D }>>();

  constructor(o: Conv2dOptions) {
    super();
    this.kernel = pair(o.kernel);
    this.stride = pair(o.stride ?? 1);
    this.padding = pair(o.padding ?? 0);
    this.inChannels = o.inChannels;
    this.outChannels = o.outChannels;
    const [kh, kw] = this.kernel;
    const shape = [kh, kw, o.inChannels, o.outChannels];
    this.weight = this.registerParameter('weight', shape, kaimingNormalFanOut(shape, o.outChannels * kh * kw, o.rng));
    this.bias = o.bias
      ? this.registerParameter('bias', [o.outChannels], fanInUniform([o.outChannels], o.inChannels * kh * kw, o.rng))
      : null;
  }

  private get pointwise(): boolean {
    return this.kernel[0] === 1 && this.kernel[1] === 1 && this.stride[0] === 1 && this.stride[1] === 1 &&
      this.padding[0] === 0 && this.padding[1] === 0;
  }

  /** Output spatial size for an input of [h, w] (PyTorch's formula). */
  outputSize(h: number, w: number): [number, number] {
    return [
      Math.floor((h + 2 * this.padding[0] - this.kernel[0]) / this.stride[0]) + 1,
      Math.floor((w + 2 * this.padding[1] - this.kernel[1]) / this.stride[1]) + 1,
    ];
  }

  forward(x: tf.Tensor4D): tf.Tensor4D {
    return tf.tidy(() => this.run(x, this.weight as tf.Tensor4D, this.bias as tf.Tensor1D | null, 'linear'));
  }

  /**
   * conv -> eval-mode BatchNorm -> activation as ONE fused kernel: the BatchNorm's affine
   * is folded into the filter and bias. Outside a gradient tape the folded weights are
   * kept until this conv's or the BatchNorm's weights or statistics change; under a tape
   * they are folded again, so gradients reach the weights.
   */
  forwardFolded(x: tf.Tensor4D, bn: BatchNorm2d, activation: 'linear' | 'relu'): tf.Tensor4D {
    return tf.tidy(() => {
      const taped = tf.engine().state.gradientDepth > 0;
      const sources = [this.weight, ...(this.bias ? [this.bias] : []), ...bn.evalState()];
      const { filter, bias } = taped
        ? this.foldBatchNorm(bn)
        : this.folded.get(sources, () => new KeptTensors(tf.tidy(() => this.foldBatchNorm(bn)))).tensors;
      return this.run(x, filter, bias, activation);
    });
  }

  private foldBatchNorm(bn: BatchNorm2d): { filter: tf.Tensor4D; bias: tf.Tensor1D } {
    const affine = bn.evalAffine();
    return {
      filter: tf.mul(this.weight, affine.scale) as tf.Tensor4D, // scale broadcasts over cout
      bias: this.bias ? tf.add(tf.mul(this.bias, affine.scale), affine.shift) as tf.Tensor1D : affine.shift,
    };
  }

  override dispose(): void {
    this.folded.dispose();
    super.dispose();
  }

  private run(x: tf.Tensor4D, filter: tf.Tensor4D, bias: tf.Tensor1D | null, activation: 'linear' | 'relu'): tf.Tensor4D {
    const [b, h, w, c] = x.shape;
    if (this.pointwise) {
      const w2 = tf.reshape(filter, [this.inChannels, this.outChannels]) as tf.Tensor2D;
      const y = tf.fused.matMul({ a: tf.reshape(x, [b * h * w, c]) as tf.Tensor2D, b: w2, bias: bias ?? undefined, activation });
      return tf.reshape(y, [b, h, w, this.outChannels]) as tf.Tensor4D;
    }
    const [ph, pw] = this.padding;
    // tfjs sizes numeric padding with the kernel height and stride height for both
    // axes, so non-square kernels/strides need the explicit form.
    const square = this.kernel[0] === this.kernel[1] && this.stride[0] === this.stride[1] && ph === pw;
    const pad: 'valid' | number | [[number, number], [number, number], [number, number], [number, number]] =
      ph === 0 && pw === 0 ? 'valid' : square ? ph : [[0, 0], [ph, ph], [pw, pw], [0, 0]];
    if (!bias && activation === 'linear') return tf.conv2d(x, filter, this.stride, pad);
    return tf.fused.conv2d({ x, filter, strides: this.stride, pad, bias: bias ?? undefined, activation });
  }
}
