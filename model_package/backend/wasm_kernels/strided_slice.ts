/**
 * StridedSlice with steps > 1 for wasm: the stock kernel walks elements one by one in
 * JS. Here: one contiguous slice, then a Gather per strided axis (rank <= 4 only;
 * negative steps and other cases go to the stock kernel).
 */
import * as tf from '@tensorflow/tfjs-core';
import { slice_util, StridedSlice } from '@tensorflow/tfjs-core';
import { asTensor, installKernel, type KernelArgs } from './kernel_util.js';

interface StridedSliceAttrs {
  begin: number[];
  end: number[];
  strides: number[];
  beginMask: number;
  endMask: number;
  ellipsisMask: number;
  newAxisMask: number;
  shrinkAxisMask: number;
}

export function registerStridedSlice(): void {
  installKernel(StridedSlice, ({ inputs, attrs, backend }: KernelArgs, fallback) => {
    if (!fallback) throw new Error('wasm StridedSlice fallback missing');
    const x = inputs.x!;
    const a = attrs as unknown as StridedSliceAttrs;
    const info = slice_util.sliceInfo(
      x.shape,
      a.begin,
      a.end,
      a.strides,
      a.beginMask,
      a.endMask,
      a.ellipsisMask,
      a.newAxisMask,
      a.shrinkAxisMask,
    );
    const rank = x.shape.length;
    const simple = info.isIdentity || info.sliceDim0 || info.isSimpleSlice;
    if (
      simple ||
      rank > 4 ||
      x.dtype === 'string' ||
      info.finalShapeSparse.length !== rank ||
      info.begin.length !== rank ||
      info.strides.some((s) => s <= 0) ||
      info.finalShapeSparse.some((d) => d === 0)
    ) {
      return fallback({ inputs, backend, attrs });
    }
    return tf.tidy(() => {
      const size = info.finalShapeSparse.map((d, i) => (d - 1) * info.strides[i]! + 1);
      let t = tf.slice(asTensor(x), info.begin, size);
      for (let axis = 0; axis < rank; axis++) {
        const step = info.strides[axis]!;
        if (step === 1) continue;
        const idx = tf.range(0, info.finalShapeSparse[axis]! * step, step, 'int32');
        t = tf.gather(t, idx, axis);
      }
      return tf.reshape(t, info.finalShape);
    });
  });
}
