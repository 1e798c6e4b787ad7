/**
 * The layers' one-call training kernels (model_package/models/layers/fused_kernels.ts) on
 * wasm, run by our SIMD kernels: train-mode BatchNorm forward and backward, and the ReLU
 * gradient. Registered only once the SIMD kernels are attached (wasm.ts); without them
 * the layers build the same math from tfjs ops.
 */
import { util, type KernelConfig, type KernelFunc, type TensorInfo } from '@tensorflow/tfjs-core';
import * as tf from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { BATCH_NORM_TRAIN, BATCH_NORM_TRAIN_GRAD, RELU_GRAD, type BatchNormTrainAttrs } from '../../models/layers/fused_kernels.js';
import { heapOffset, simdKernelsFor, type SimdKernels } from '../wasm_simd/registry.js';
import { WASM } from './kernel_util.js';

type Body = (inputs: Record<string, TensorInfo>, attrs: Record<string, unknown>, backend: BackendWasm, kernels: SimdKernels) => TensorInfo | TensorInfo[];

/** Registers `body` for wasm; it runs with the kernels attached to the backend it is called on (the threaded build has its own). */
function register(kernelName: string, body: Body): void {
  if (tf.getKernel(kernelName, WASM)) return;
  const config: KernelConfig = {
    kernelName,
    backendName: WASM,
    kernelFunc: (({ inputs, attrs, backend }) => {
      const b = backend as unknown as BackendWasm;
      const kernels = simdKernelsFor(b);
      if (!kernels) throw new Error(`${kernelName}: this wasm backend has no SIMD kernels attached`);
      return body(inputs as Record<string, TensorInfo>, (attrs ?? {}) as Record<string, unknown>, b, kernels);
    }) as KernelFunc,
  };
  tf.registerKernel(config);
}

function requireFloat32(kernel: string, ...tensors: TensorInfo[]): void {
  for (const t of tensors) {
    if (t.dtype !== 'float32') throw new Error(`${kernel} on wasm takes float32 tensors, got ${t.dtype}`);
  }
}

export function registerSimdTrainingKernels(): void {
  register(BATCH_NORM_TRAIN, ({ x, scale, offset, mean, variance }, attrs, b, kernels) => {
    requireFloat32(BATCH_NORM_TRAIN, x!, scale!, offset!, mean!, variance!);
    const { epsilon, momentum } = attrs as unknown as BatchNormTrainAttrs;
    const c = x!.shape[x!.shape.length - 1]!;
    const outs = [b.makeOutput(x!.shape, 'float32'), ...Array.from({ length: 4 }, () => b.makeOutput([c], 'float32'))];
    const p = (t: TensorInfo): number => heapOffset(b, t);
    kernels.batchNormTrain(p(x!), p(scale!), p(offset!), p(mean!), p(variance!), ...outs.map(p) as [number, number, number, number, number],
      util.sizeFromShape(x!.shape) / c, c, epsilon, momentum);
    return outs;
  });
  register(BATCH_NORM_TRAIN_GRAD, ({ dy, x, scale, saved0, saved1 }, _attrs, b, kernels) => {
    requireFloat32(BATCH_NORM_TRAIN_GRAD, dy!, x!, scale!, saved0!, saved1!);
    const c = x!.shape[x!.shape.length - 1]!;
    const outs = [b.makeOutput(x!.shape, 'float32'), b.makeOutput([c], 'float32'), b.makeOutput([c], 'float32')];
    const p = (t: TensorInfo): number => heapOffset(b, t);
    kernels.batchNormTrainGrad(p(dy!), p(x!), p(scale!), p(saved0!), p(saved1!), ...outs.map(p) as [number, number, number],
      util.sizeFromShape(x!.shape) / c, c);
    return outs;
  });
  register(RELU_GRAD, ({ dy, y }, _attrs, b, kernels) => {
    requireFloat32(RELU_GRAD, dy!, y!);
    const out = b.makeOutput(y!.shape, 'float32');
    kernels.reluGrad(heapOffset(b, dy!), heapOffset(b, y!), heapOffset(b, out), util.sizeFromShape(y!.shape));
    return out;
  });
}
