/**
 * Configurable ResNet feature extractor: stem conv(k, pad k/2, stride)-BN-ReLU, then stages
 * of basic blocks (the first block of a stage carries the stride). NHWC in and out.
 */
import * as tf from '@tensorflow/tfjs-core';
import { BaseModule } from './module.js';
import { Conv2d, type Pair } from './layers/conv2d.js';
import { BatchNorm2d } from './layers/batch_norm2d.js';
import { BasicBlock } from './basic_block.js';
import type { Rng } from '../core/rng.js';

export interface StageSpec {
  readonly channels: number;
  readonly stride: Pair;
  readonly blocks: number;
}

export interface ResnetEncoderOptions {
  readonly inChannels: number;
  readonly stemKernel: number;
  readonly stemChannels: number;
  /** Default 1. */
  readonly stemStride?: Pair;
  readonly stages: readonly StageSpec[];
  readonly convBias?: boolean;
  readonly bnMomentum?: number;
  readonly rng: Rng;
}

export class ResnetEncoder extends BaseModule {
  readonly outChannels: number;
  private readonly stemConv: Conv2d;
  private readonly stemBn: BatchNorm2d;
  private readonly blocks: BasicBlock[] = [];

  constructor(o: ResnetEncoderOptions) {
    super();
    const bias = o.convBias ?? false;
    this.stemConv = this.registerModule('stem_conv', new Conv2d({
      inChannels: o.inChannels, outChannels: o.stemChannels, kernel: o.stemKernel, stride: o.stemStride ?? 1,
      padding: Math.floor(o.stemKernel / 2), bias, rng: o.rng,
    }));
    this.stemBn = this.registerModule('stem_bn', new BatchNorm2d({ channels: o.stemChannels, momentum: o.bnMomentum }));
    let cin = o.stemChannels;
    o.stages.forEach((stage, s) => {
      for (let i = 0; i < stage.blocks; i++) {
        const block = new BasicBlock({ inChannels: cin, outChannels: stage.channels, stride: i === 0 ? stage.stride : 1, convBias: bias, bnMomentum: o.bnMomentum, rng: o.rng });
        this.blocks.push(this.registerModule(`stage${s}.block${i}`, block));
        cin = stage.channels;
      }
    });
    this.outChannels = cin;
  }

  /** Feature-map size [H', W'] for an input of [h, w]. */
  outputSize(h: number, w: number): [number, number] {
    let size = this.stemConv.outputSize(h, w);
    for (const b of this.blocks) size = b.outputSize(size[0], size[1]);
    return size;
  }

  forward(x: tf.Tensor4D): tf.Tensor4D {
    return tf.tidy(() => {
      let h = this.training
        ? this.stemBn.forward(this.stemConv.forward(x), 'relu')
        : this.stemConv.forwardFolded(x, this.stemBn, 'relu'); // BN folded into the conv
      for (const b of this.blocks) h = b.forward(h);
      return h;
    });
  }
}
