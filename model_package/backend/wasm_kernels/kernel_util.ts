/**
 * Registering our wasm kernels. A replacement keeps the stock kernel's `setupFunc`
 * (it binds the C++ entry points the stock kernelFunc needs) and receives the stock
 * kernelFunc, so it can hand over the cases it does not speed up.
 */
import * as tf from '@tensorflow/tfjs-core';
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

export function installKernel(kernelName: string, body: OpKernel): void {
  const stock = tf.getKernel(kernelName, WASM);
  if (stock) tf.unregisterKernel(kernelName, WASM);
  const fallback = stock ? stock.kernelFunc : null;
  const config: KernelConfig = {
    kernelName,
    backendName: WASM,
    ...(stock?.setupFunc ? { setupFunc: stock.setupFunc } : {}),
    ...(stock?.disposeFunc ? { disposeFunc: stock.disposeFunc } : {}),
    kernelFunc: ((args: KernelArgs) => body(args, fallback)) as KernelFunc,
  };
  tf.registerKernel(config);
  installed.push({ name: kernelName, replaces: stock !== undefined });
}

/**
 * A kernel input viewed as a Tensor so tfjs ops accept it. Ops pass Tensors already;
 * a bare TensorInfo gets a wrapper that the enclosing tidy() disposes.
 */
export function asTensor<R extends tf.Rank = tf.Rank>(info: TensorInfo): tf.Tensor<R> {
  if (info instanceof tf.Tensor) return info as tf.Tensor<R>;
  return tf.engine().makeTensorFromTensorInfo(info) as tf.Tensor<R>;
}
