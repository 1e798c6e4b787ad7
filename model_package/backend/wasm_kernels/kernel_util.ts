/**
 * Registering our kernels (wasm, and a few for the native TensorFlow backend). A replacement keeps the stock kernel's `setupFunc`
 * (it binds the C++ entry points the stock kernelFunc needs) and receives the stock
 * kernelFunc, so it can hand over the cases it does not speed up.
 */
import * as tf from '@tensorflow/tfjs-core';
import { getThreadsCount } from '@tensorflow/tfjs-backend-wasm';
import type { KernelConfig, KernelFunc, NamedAttrMap, NamedTensorInfoMap, TensorInfo } from '@tensorflow/tfjs-core';

export const WASM = 'wasm';

export interface KernelArgs {
  inputs: NamedTensorInfoMap;
  backend: tf.KernelBackend;
  attrs?: NamedAttrMap;
}

/** A kernel body built from tfjs ops: it gets tensors and returns a tensor it owns. */
export type OpKernel = (args: KernelArgs, fallback: KernelFunc | null) => TensorInfo | TensorInfo[];

/** What registerWasmKernels installed, for the README/tests. */
export const installed: Array<{ name: string; replaces: boolean }> = [];

export function installKernel(kernelName: string, body: OpKernel, backendName = WASM): void {
  const stock = tf.getKernel(kernelName, backendName);
  if (stock) tf.unregisterKernel(kernelName, backendName);
  const fallback = stock ? stock.kernelFunc : null;
  const config: KernelConfig = {
    kernelName,
    backendName,
    ...(stock?.setupFunc ? { setupFunc: stock.setupFunc } : {}),
    ...(stock?.disposeFunc ? { disposeFunc: stock.disposeFunc } : {}),
    kernelFunc: ((args: KernelArgs) => body(args, fallback)) as KernelFunc,
  };
  tf.registerKernel(config);
  if (backendName === WASM) installed.push({ name: kernelName, replaces: stock !== undefined });
}

/**
 * A kernel input viewed as a Tensor so tfjs ops accept it. Ops pass Tensors already;
 * a bare TensorInfo gets a wrapper that the enclosing tidy() disposes.
 */
export function asTensor<R extends tf.Rank = tf.Rank>(info: TensorInfo): tf.Tensor<R> {
  if (info instanceof tf.Tensor) return info as tf.Tensor<R>;
  return tf.engine().makeTensorFromTensorInfo(info) as tf.Tensor<R>;
}

/**
 * A stock kernel's output as a Tensor owned by the enclosing tidy(). wasm kernels return
 * bare TensorInfo (refCount 1, which the wrapper takes over); tfjs-node's return Tensors
 * already tracked by the engine, which must not be wrapped twice.
 */
export function wrapOutput(info: TensorInfo | TensorInfo[]): tf.Tensor {
  const one = Array.isArray(info) ? info[0]! : info;
  if (one instanceof tf.Tensor) return one;
  return tf.engine().makeTensorFromTensorInfo(one);
}

/** Advances a multi-index over `dims`, last axis fastest (back to all zeros after the last index). */
export function advanceIndex(idx: number[], dims: readonly number[]): void {
  for (let j = dims.length - 1; j >= 0; j--) {
    if (++idx[j]! < dims[j]!) return;
    idx[j] = 0;
  }
}

/** wasm's thread count, or 1 when wasm is not initialised (kernels are also called directly, e.g. by benchmarks). */
export function wasmThreads(): number {
  try {
    return getThreadsCount();
  } catch {
    return 1;
  }
}
