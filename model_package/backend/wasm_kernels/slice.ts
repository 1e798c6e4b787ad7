/**
 * Slice and SplitV for wasm. The stock Slice copies the WHOLE input out of the wasm
 * heap (readSync) before taking its piece, so every slice costs the size of its
 * source: 128 floats from a 900k-float tensor took 7 ms, and splitting the optimizer's
 * flat update into 80 parameters took 0.2-0.9 s. These read the heap in place and copy
 * only the slice, one contiguous run at a time.
 */
import * as tf from '@tensorflow/tfjs-core';
import { backend_util, Slice, slice_util, SplitV, util } from '@tensorflow/tfjs-core';
import type { TensorInfo } from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { advanceIndex, installKernel, type KernelArgs } from './kernel_util.js';

/** out = x[begin : begin + size], copied from heap views (allocation first: it may move the heap). */
export function sliceHeap(backend: BackendWasm, x: TensorInfo, begin: number[], size: number[]): TensorInfo {
  const out = backend.makeOutput(size, x.dtype);
  const n = util.sizeFromShape(size);
  if (n === 0) return out;
  const src = backend.typedArrayFromHeap(x);
  const dst = backend.typedArrayFromHeap(out);
  const rank = x.shape.length;
  const strides = util.computeStrides(x.shape);
  // The last axis that is cut: everything after it is whole, so each run is contiguous.
  let k = rank - 1;
  while (k > 0 && size[k] === x.shape[k]) k--;
  const run = size[k]! * (k === rank - 1 ? 1 : strides[k]!);
  const outer = size.slice(0, k);
  const runs = util.sizeFromShape(outer);
  const idx = new Array<number>(k).fill(0);
  let base = 0;
  for (let j = 0; j <= k; j++) base += begin[j]! * (j === rank - 1 ? 1 : strides[j]!);
  for (let r = 0, o = 0; r < runs; r++, o += run) {
    let off = base;
    for (let j = 0; j < k; j++) off += idx[j]! * strides[j]!;
    dst.set(src.subarray(off, off + run), o);
    advanceIndex(idx, outer);
  }
  return out;
}

export function registerSlice(): void {
  installKernel(Slice, ({ inputs, attrs, backend }: KernelArgs, fallback) => {
    const x = inputs.x!;
    if (x.dtype === 'string' || x.shape.length === 0) {
      if (!fallback) throw new Error('wasm Slice fallback missing');
      return fallback({ inputs, backend, attrs });
    }
    const a = attrs as { begin: number | number[]; size: number | number[] };
    const [begin, size] = slice_util.parseSliceParams(x as tf.TensorInfo as never, a.begin, a.size);
    return sliceHeap(backend as unknown as BackendWasm, x, begin, size);
  });
  installKernel(SplitV, ({ inputs, attrs, backend }: KernelArgs, fallback) => {
    const x = inputs.x!;
    if (x.dtype === 'string' || x.shape.length === 0) {
      if (!fallback) throw new Error('wasm SplitV fallback missing');
      return fallback({ inputs, backend, attrs });
    }
    const { numOrSizeSplits, axis } = attrs as { numOrSizeSplits: number | number[]; axis: number };
    const ax = util.parseAxisParam(axis, x.shape)[0]!;
    const sizes = backend_util.prepareSplitSize(x as never, numOrSizeSplits, ax);
    const begin = new Array<number>(x.shape.length).fill(0);
    return sizes.map((s) => {
      const size = [...x.shape];
      size[ax] = s;
      const out = sliceHeap(backend as unknown as BackendWasm, x, [...begin], size);
      begin[ax] += s;
      return out;
    });
  });
}
