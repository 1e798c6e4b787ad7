/**
 * ResNet basic block: conv3x3(stride)-BN-ReLU-conv3x3-BN, plus a 1x1 conv+BN
 * projection skip, ReLU after the sum (the torch reference's BasicBlock).
 */
import * as tf from '@tensorflow/tfjs-core';
import { BaseModule } from './module.js';
import { Conv2d, type Pair } from './layers/conv2d.js';
import { BatchNorm2d } from './layers/batch_norm2d.js';
import { relu } from './layers/relu.js';
import type { Rng } from '../core/rng.js';

export interface BasicBlockOptions {
  readonly inChannels: number;
  readonly outChannels: number;
  readonly stride: Pair;
  readonly convBias?: boolean;
  /** BatchNorm running-statistics momentum (PyTorch default 0.1). */
  readonly bnMomentum?: number;
  readonly rng: Rng;
}

export class BasicBlock extends BaseModule {
  private readonly conv1: Conv2d;
  private readonly bn1: BatchNorm2d;
  private readonly conv2: Conv2d;
  private readonly bn2: BatchNorm2d;
  private readonly skipConv: Conv2d;
  private readonly skipBn: BatchNorm2d;

  constructor(o: BasicBlockOptions) {
    super();
    const bias = o.convBias ?? false;
    const { inChannels: cin, outChannels: cout, rng } = o;
    this.conv1 = this.registerModule('conv1', new Conv2d({ inChannels: cin, outChannels: cout, kernel: 3, stride: o.stride, padding: 1, bias, rng }));
    this.bn1 = this.registerModule('bn1', new BatchNorm2d({ channels: cout, momentum: o.bnMomentum }));
    this.conv2 = this.registerModule('conv2', new Conv2d({ inChannels: cout, outChannels: cout, kernel: 3, padding: 1, bias, rng }));
    this.bn2 = this.registerModule('bn2', new BatchNorm2d({ channels: cout, momentum: o.bnMomentum }));
    this.skipConv = this.registerModule('skip_conv', new Conv2d({ inChannels: cin, outChannels: cout, kernel: 1, stride: o.stride, bias, rng }));
    this.skipBn = this.registerModule('skip_bn', new BatchNorm2d({ channels: cout, momentum: o.bnMomentum }));
  }

  outputSize(h: number, w: number): [number, number] {
    return this.conv1.outputSize(h, w);
  }

  forward(x: tf.Tensor4D): tf.Tensor4D {
    if (!this.training) return this.forwardEval(x);
    return tf.tidy(() => {
      const h = this.bn1.forward(this.conv1.forward(x), 'relu');
      const main = this.bn2.forward(this.conv2.forward(h));
      const skip = this.skipBn.forward(this.skipConv.forward(x));
      return relu(tf.add(main, skip) as tf.Tensor4D);
    });
  }

  /** Eval mode: each BatchNorm folded into its convolution (one fused kernel per conv). */
  private forwardEval(x: tf.Tensor4D): tf.Tensor4D {
    return tf.tidy(() => {
      const h = this.conv1.forwardFolded(x, this.bn1, 'relu');
      const main = this.conv2.forwardFolded(h, this.bn2, 'linear');
      const skip = this.skipConv.forwardFolded(x, this.skipBn, 'linear');
      return tf.relu(tf.add(main, skip)) as tf.Tensor4D;
    });
  }
}
