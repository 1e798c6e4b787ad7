/**
 * Identity, and Cast to the dtype a tensor already has, for wasm: share the data, as
 * wasm's own Reshape and the cpu backend's Identity do, instead of copying it. tfjs
 * clones every tensor a custom gradient saves (BatchNorm saves its full-size input),
 * so the copies cost 10-15 full-size passes per train step.
 */
import { Cast, Identity } from '@tensorflow/tfjs-core';
import type { TensorInfo } from '@tensorflow/tfjs-core';
import { installKernel, type KernelArgs } from './kernel_util.js';

function alias({ inputs, backend }: KernelArgs): TensorInfo {
  const x = inputs.x!;
  backend.incRef(x.dataId);
  return { dataId: x.dataId, shape: [...x.shape], dtype: x.dtype };
}

export function registerIdentityAlias(): void {
  installKernel(Identity, (args, fallback) => {
    if (args.inputs.x!.dtype === 'string') {
      if (!fallback) throw new Error('wasm Identity fallback missing');
      return fallback(args);
    }
    return alias(args);
  });
  installKernel(Cast, (args, fallback) => {
    const x = args.inputs.x!;
    if ((args.attrs as { dtype: string }).dtype === x.dtype && x.dtype !== 'string') return alias(args);
    if (!fallback) throw new Error('wasm Cast fallback missing');
    return fallback(args);
  });
}
