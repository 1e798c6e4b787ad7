/**
 * UnsortedSegmentSum for wasm, which has none (it is the gradient of Gather, i.e. of
 * every embedding lookup). A plain loop over rows: out[ids[i]] += x[i]; ids outside
 * [0, numSegments) are dropped, as TensorFlow does.
 */
import * as tf from '@tensorflow/tfjs-core';
import { UnsortedSegmentSum } from '@tensorflow/tfjs-core';
import { asTensor, installKernel, type KernelArgs } from './kernel_util.js';

export function unsortedSegmentSum(x: tf.Tensor, segmentIds: tf.Tensor, numSegments: number): tf.Tensor {
  const ids = segmentIds.dataSync();
  const inner = segmentIds.size === 0 ? 0 : x.size / segmentIds.size;
  const outShape = [numSegments, ...x.shape.slice(segmentIds.shape.length)];
  const src = x.dataSync();
  const out = x.dtype === 'int32' ? new Int32Array(numSegments * inner) : new Float32Array(numSegments * inner);
  for (let i = 0; i < ids.length; i++) {
    const seg = ids[i]!;
    if (seg < 0 || seg >= numSegments) continue;
    const o = seg * inner;
    const s = i * inner;
    for (let j = 0; j < inner; j++) out[o + j] += src[s + j]!;
  }
  return tf.tensor(out, outShape, x.dtype === 'int32' ? 'int32' : 'float32');
}

export function registerUnsortedSegmentSum(): void {
  installKernel(UnsortedSegmentSum, ({ inputs, attrs }: KernelArgs) => {
    const numSegments = (attrs as { numSegments: number }).numSegments;
    return tf.tidy(() => unsortedSegmentSum(asTensor(inputs.x!), asTensor(inputs.segmentIds!), numSegments));
  });
}
