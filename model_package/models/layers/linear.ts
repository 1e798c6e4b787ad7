/**
 * Fully connected layer y = x W + b with W stored [in, out], so the weight is
 * matMul's `b` operand. Inputs of any rank are flattened to 2-D for the matMul.
 */
import * as tf from '@tensorflow/tfjs-core';
import { BaseModule } from '../module.js';
import { constantValues, fanInUniform, xavierUniform } from '../init.js';
import { backendHas, LINEAR, runKernel } from './fused_kernels.js';
import type { Rng } from '../../core/rng.js';

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

export class Linear extends BaseModule {
  readonly weight: tf.Variable;
  readonly bias: tf.Variable | null;
  readonly inFeatures: number;
  readonly outFeatures: number;

  constructor(o: LinearOptions) {
    super();
    this.inFeatures = o.inFeatures;
    this.outFeatures = o.outFeatures;
    const shape = [o.inFeatures, o.outFeatures];
    const xavier = o.init === 'xavier';
    this.weight = this.registerParameter('weight', shape,
      xavier ? xavierUniform(shape, o.inFeatures, o.outFeatures, o.rng) : fanInUniform(shape, o.inFeatures, o.rng));
    const b = [o.outFeatures];
    this.bias = o.bias === false
      ? null
      : this.registerParameter('bias', b, xavier || o.zeroBias ? constantValues(b, 0) : fanInUniform(b, o.inFeatures, o.rng));
  }

  /**
   * `activation: 'relu'` fuses the ReLU into the matMul kernel where the backend can.
   * Outside a gradient tape, a backend with a LINEAR kernel runs it (TensorFlow: no
   * reshapes to 3-D around the product, which tfjs's fused matMul adds).
   */
  forward<T extends tf.Tensor>(x: T, activation: 'linear' | 'relu' = 'linear'): T {
    return tf.tidy(() => {
      const lead = x.shape.slice(0, -1);
      const x2 = x.rank === 2 ? (x as unknown as tf.Tensor2D) : tf.reshape(x, [-1, this.inFeatures]) as tf.Tensor2D;
      const direct = this.bias && tf.engine().state.gradientDepth === 0 && backendHas(LINEAR);
      const y = direct
        ? runKernel(LINEAR, { x: x2, weight: this.weight, bias: this.bias! }, { activation })[0]!
        : tf.fused.matMul({ a: x2, b: this.weight as tf.Tensor2D, bias: this.bias ?? undefined, activation });
      return (x.rank === 2 ? y : tf.reshape(y, [...lead, this.outFeatures])) as T;
    });
  }
}
