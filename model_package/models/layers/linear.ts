/**
 * Fully connected layer y = x W + b with W stored [in, out], so the weight is
 * matMul's `b` operand. Inputs of any rank are flattened to 2-D for the matMul.
 */
import * as tf from '@tensorflow/tfjs-core';
import { BaseModule } from '../module.js';
import { constantValues, fanInUniform, xavierUniform } from '../init.js';
import { backendHas, LINEAR, runKernel } from './fused_kernels.js';
import type { Rng } from '../../core/rng.js';

export type Activation = 'linear' | 'relu';

/** A weight [in, out] and its bias [out]: a Linear's parameters, or a folded copy of them. */
export interface Projection {
  readonly weight: tf.Tensor2D;
  readonly bias: tf.Tensor1D | null;
}

/**
 * x [N, in] @ weight + bias, then the activation. Outside a gradient tape, a backend with a
 * LINEAR kernel runs it as one call (TensorFlow: no reshapes to 3-D around the product,
 * which tfjs's fused matMul adds).
 */
export function project(x: tf.Tensor2D, p: Projection, activation: Activation = 'linear'): tf.Tensor2D {
  const direct = p.bias && tf.engine().state.gradientDepth === 0 && backendHas(LINEAR);
  return direct
    ? runKernel(LINEAR, { x, weight: p.weight, bias: p.bias! }, { activation })[0] as tf.Tensor2D
    : tf.fused.matMul({ a: x, b: p.weight, bias: p.bias ?? undefined, activation }) as tf.Tensor2D;
}

export interface LinearOptions {
  readonly inFeatures: number;
  readonly outFeatures: number;
  readonly bias?: boolean;
  /** 'default' = PyTorch nn.Linear; 'xavier' = Glorot weights, zero bias (nn.MultiheadAttention). */
  readonly init?: 'default' | 'xavier';
  /** Start the bias at 0 (PyTorch's attention projections). */
  readonly zeroBias?: boolean;
  readonly rng: Rng;
}

export class Linear extends BaseModule implements Projection {
  readonly weight: tf.Variable<tf.Rank.R2>;
  readonly bias: tf.Variable<tf.Rank.R1> | null;
  readonly inFeatures: number;
  readonly outFeatures: number;

  constructor(o: LinearOptions) {
    super();
    this.inFeatures = o.inFeatures;
    this.outFeatures = o.outFeatures;
    const shape = [o.inFeatures, o.outFeatures];
    const xavier = o.init === 'xavier';
    this.weight = this.registerParameter('weight', shape,
      xavier ? xavierUniform(shape, o.inFeatures, o.outFeatures, o.rng) : fanInUniform(shape, o.inFeatures, o.rng)) as tf.Variable<tf.Rank.R2>;
    const b = [o.outFeatures];
    this.bias = o.bias === false
      ? null
      : this.registerParameter('bias', b, xavier || o.zeroBias ? constantValues(b, 0) : fanInUniform(b, o.inFeatures, o.rng)) as tf.Variable<tf.Rank.R1>;
  }

  /** `activation: 'relu'` fuses the ReLU into the matMul kernel where the backend can. */
  forward<T extends tf.Tensor>(x: T, activation: Activation = 'linear'): T {
    return tf.tidy(() => {
      const lead = x.shape.slice(0, -1);
      const x2 = x.rank === 2 ? (x as unknown as tf.Tensor2D) : tf.reshape(x, [-1, this.inFeatures]) as tf.Tensor2D;
      const y = project(x2, this, activation);
      return (x.rank === 2 ? y : tf.reshape(y, [...lead, this.outFeatures])) as T;
    });
  }
}
