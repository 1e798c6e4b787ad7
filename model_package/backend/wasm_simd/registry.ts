/**
 * Where our SIMD kernels, once attached (index.ts), are found: per tfjs-wasm module, so
 * the threaded build and the single-threaded one each have their own. Kept apart from the
 * embedded binary so that code which only looks kernels up (the wasm kernels, which the
 * browser bundle also registers) does not carry it.
 */
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import * as tf from '@tensorflow/tfjs-core';
import type { TensorInfo } from '@tensorflow/tfjs-core';

export interface SimdKernels {
  /** See htr_kernels.c: dw [kh, kw, cin, cout] from the padded input and dy (all pointers into tfjs's memory). */
  conv2dFilterGrad(
    xPadded: number, dy: number, dw: number,
    n: number, hp: number, wp: number, cin: number, ho: number, wo: number, cout: number,
    kh: number, kw: number, sh: number, sw: number,
  ): void;
  /** See htr_kernels.c: dx [n, h, w, cin] from the padded dy and the filter as [kh, kw, cout, cin]. */
  conv2dInputGrad(
    dyPadded: number, filterT: number, dx: number,
    n: number, h: number, w: number, cin: number, hyp: number, wyp: number, cout: number,
    kh: number, kw: number, sh: number, sw: number, padTop: number, padLeft: number, offTop: number, offLeft: number,
  ): void;
  /** Train-mode BatchNorm over the last axis of x [rows, c]; writes y, the new running mean and variance, and the batch mean and invstd. */
  batchNormTrain(
    x: number, scale: number, offset: number, runningMean: number, runningVar: number,
    y: number, newMean: number, newVar: number, saveMean: number, saveInvstd: number,
    rows: number, c: number, epsilon: number, momentum: number,
  ): void;
  /** Its gradient: dx, dScale, dOffset from dy, x, scale and the saved mean and invstd. */
  batchNormTrainGrad(
    dy: number, x: number, scale: number, saveMean: number, saveInvstd: number,
    dx: number, dScale: number, dOffset: number, rows: number, c: number,
  ): void;
  /** dx = dy where y > 0, else 0. */
  reluGrad(dy: number, y: number, dx: number, size: number): void;
}

const attached = new WeakMap<object, SimdKernels>();

/** Records the kernels instantiated on `backend`'s memory. */
export function recordSimdKernels(backend: BackendWasm, kernels: SimdKernels): void {
  attached.set(backend.wasm, kernels);
}

/** The kernels attached to this backend, if any. */
export function simdKernelsFor(backend: BackendWasm): SimdKernels | null {
  return attached.get(backend.wasm) ?? null;
}

/** The current backend and its kernels, when it is wasm with our kernels attached. */
export function currentSimdKernels(): { backend: BackendWasm; kernels: SimdKernels } | null {
  if (tf.getBackend() !== 'wasm') return null;
  const backend = tf.backend() as BackendWasm;
  const kernels = simdKernelsFor(backend);
  return kernels ? { backend, kernels } : null;
}

/**
 * The current backend's kernels for a route that was asked for by name: throws, naming
 * the route, when they are not attached or the channel count is not a multiple of 8.
 */
export function requireSimdKernels(route: string, axis: 'Cin' | 'Cout', channels: number): { backend: BackendWasm; kernels: SimdKernels } {
  const simd = currentSimdKernels();
  if (!simd) throw new Error(`the SIMD ${route} route needs the wasm backend with its SIMD kernels attached`);
  if (channels % 8 !== 0) throw new Error(`the SIMD ${route} route needs ${axis} a multiple of 8, got ${channels}`);
  return simd;
}

/** Where a tensor's data starts in tfjs-wasm's memory. */
export function heapOffset(backend: BackendWasm, t: TensorInfo): number {
  return backend.dataIdMap.get(t.dataId)!.memoryOffset;
}
