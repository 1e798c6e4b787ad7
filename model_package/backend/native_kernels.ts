/**
 * Explicit conv padding for the TensorFlow (tfjs-node) backend, whose Conv2D and conv
 * gradient kernels accept only 'same' and 'valid'. The default model pads explicitly
 * (PyTorch's symmetric padding, which 'same' does not give at stride 2), so:
 * Conv2D, FusedConv2D (eval-mode conv+BN+ReLU) and Conv2DBackpropFilter see the input
 * padded by tf.pad with 'valid';
 * Conv2DBackpropInput computes the padded input's gradient and crops it.
 */
import * as tf from '@tensorflow/tfjs-core';
import { Conv2D, Conv2DBackpropFilter, Conv2DBackpropInput, FusedConv2D, Reshape } from '@tensorflow/tfjs-core';
import type { KernelFunc, NamedAttrMap, NamedTensorInfoMap } from '@tensorflow/tfjs-core';
import { asTensor, installKernel, wrapOutput } from './wasm_kernels/kernel_util.js';
import { registerNativeFusedKernels } from './native_fused_kernels.js';

/** tfjs's name for the TensorFlow C++ backend (tfjs-node and our `.native/` build). */
export const TF_BACKEND_NAME = 'tensorflow';

type Pads = [[number, number], [number, number]];

/** [[top, bottom], [left, right]] for numeric or explicit NHWC padding; null for 'same'/'valid'. */
function explicitPads(pad: unknown): Pads | null {
  if (typeof pad === 'number') return [[pad, pad], [pad, pad]];
  if (Array.isArray(pad)) {
    const p = pad as number[][];
    return [[p[1]![0]!, p[1]![1]!], [p[2]![0]!, p[2]![1]!]];
  }
  return null;
}

function withPads(
  kernelName: string,
  run: (pads: Pads, inputs: NamedTensorInfoMap, attrs: NamedAttrMap, stock: KernelFunc, backend: tf.KernelBackend) => tf.Tensor,
): void {
  installKernel(
    kernelName,
    ({ inputs, attrs, backend }, fallback) => {
      if (!fallback) throw new Error(`${kernelName} missing on the ${TF_BACKEND_NAME} backend`);
      const a = (attrs ?? {}) as NamedAttrMap;
      const pads = explicitPads(a.pad);
      if (!pads || a.dataFormat === 'NCHW' || a.dimRoundingMode != null) return fallback({ inputs, backend, attrs });
      return tf.tidy(() => run(pads, inputs, a, fallback, backend));
    },
    TF_BACKEND_NAME,
  );
}

let registered = false;

export function registerNativeKernels(): void {
  if (registered) return;
  registered = true;
  registerNativeFusedKernels(TF_BACKEND_NAME);
  registerAliasingReshape();
  withPads(Conv2D, ([[t, b], [l, r]], inputs, attrs, stock, backend) => {
    const x = tf.pad(asTensor(inputs.x!), [[0, 0], [t, b], [l, r], [0, 0]]);
    return wrapOutput(stock({ inputs: { x, filter: inputs.filter! }, backend, attrs: { ...attrs, pad: 'valid' } }));
  });
  withPads(FusedConv2D, ([[t, b], [l, r]], inputs, attrs, stock, backend) => {
    const x = tf.pad(asTensor(inputs.x!), [[0, 0], [t, b], [l, r], [0, 0]]);
    return wrapOutput(stock({ inputs: { ...inputs, x }, backend, attrs: { ...attrs, pad: 'valid' } }));
  });
  withPads(Conv2DBackpropFilter, ([[t, b], [l, r]], inputs, attrs, stock, backend) => {
    const x = tf.pad(asTensor(inputs.x!), [[0, 0], [t, b], [l, r], [0, 0]]);
    return wrapOutput(stock({ inputs: { x, dy: inputs.dy! }, backend, attrs: { ...attrs, pad: 'valid' } }));
  });
  withPads(Conv2DBackpropInput, ([[t, b], [l, r]], inputs, attrs, stock, backend) => {
    const [n, h, w, c] = attrs.inputShape as [number, number, number, number];
    const padded = [n, h + t + b, w + l + r, c];
    const dx = wrapOutput(stock({ inputs, backend, attrs: { ...attrs, inputShape: padded, pad: 'valid' } }));
    return tf.slice(dx, [0, t, l, 0], [n, h, w, c]);
  });
}

/**
 * A reshape to the shape the tensor already has (every gradient of a binary op ends
 * with one) shares the data instead of running TensorFlow's Reshape through the
 * binding: 150-300 fewer kernel calls per train step of the default model.
 */
function registerAliasingReshape(): void {
  installKernel(
    Reshape,
    ({ inputs, attrs, backend }, fallback) => {
      if (!fallback) throw new Error(`Reshape missing on the ${TF_BACKEND_NAME} backend`);
      const x = inputs.x!;
      const shape = (attrs as { shape: number[] }).shape;
      const same = shape.length === x.shape.length && shape.every((d, i) => d === x.shape[i] || (d === -1 && shape.filter((e) => e === -1).length === 1));
      if (!same) return fallback({ inputs, backend, attrs });
      backend.incRef(x.dataId);
      return { dataId: x.dataId, shape: [...x.shape], dtype: x.dtype };
    },
    TF_BACKEND_NAME,
  );
}
