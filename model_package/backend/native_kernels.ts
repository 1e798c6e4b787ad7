/**
 * Kernels of our own for the TensorFlow (tfjs-node) backend.
 * Explicit conv padding: tfjs-node's conv gradient kernels accept only 'same' and
 * 'valid', and its Conv2D rejects numeric padding. The default model pads explicitly
 * (PyTorch's symmetric padding, which 'same' does not give at stride 2), so Conv2D,
 * FusedConv2D (eval-mode conv+BN+ReLU) and both gradients call the TensorFlow ops
 * with padding EXPLICIT: no tf.pad before or slice after, which made the stride-2
 * filter gradient 2-4x slower.
 * Small batched products run as BatchMatMulV3 (see registerBatchMatMulRoute).
 */
import * as tf from '@tensorflow/tfjs-core';
import { BatchMatMul, Cast, Conv2D, Conv2DBackpropFilter, Conv2DBackpropInput, FusedConv2D, GatherV2, Reshape } from '@tensorflow/tfjs-core';
import type { KernelFunc, NamedAttrMap, NamedTensorInfoMap, TensorInfo } from '@tensorflow/tfjs-core';
import { asTensor, installKernel, wrapOutput, type KernelArgs } from './wasm_kernels/kernel_util.js';
import { asTfBackend, floatType, fusedOpAttrs, runOp, supportsListAttrs, tfDtype, type OpAttr, type TfBackend } from './tf_raw_ops.js';
import { registerNativeFusedKernels } from './native_fused_kernels.js';
import { registerFunctionCompiler } from '../models/compiled_functions.js';
import { compileGraphFunction, registerGraphFunctionKernel } from './graph_function.js';

/** tfjs's name for the TensorFlow C++ backend (tfjs-node and our `.native/` build). */
export const TF_BACKEND_NAME = 'tensorflow';

type Pads = [[number, number], [number, number]];

/** Replaces tfjs-node's kernel `kernelName`; `body` gets that kernel to fall back to. */
function overrideTfNodeKernel(kernelName: string, body: (args: KernelArgs, stock: KernelFunc) => TensorInfo | TensorInfo[]): void {
  installKernel(
    kernelName,
    (args, fallback) => {
      if (!fallback) throw new Error(`${kernelName} missing on the ${TF_BACKEND_NAME} backend`);
      return body(args, fallback);
    },
    TF_BACKEND_NAME,
  );
}

/** [[top, bottom], [left, right]] for numeric, explicit or 'valid' NHWC padding; null for 'same'. */
function explicitPads(pad: unknown): Pads | null {
  // 'valid' too: with oneDNN on, TensorFlow's VALID filter gradient of a strided 1×1 conv
  // is wrong on small inputs (the [2,8,8,4] case of native_kernels.test.ts); EXPLICIT is right.
  if (pad === 'valid') return [[0, 0], [0, 0]];
  if (typeof pad === 'number') return [[pad, pad], [pad, pad]];
  if (Array.isArray(pad)) {
    const p = pad as number[][];
    return [[p[1]![0]!, p[1]![1]!], [p[2]![0]!, p[2]![1]!]];
  }
  return null;
}

function convAttrs(b: TfBackend, strides: number | number[], [[t, bo], [l, r]]: Pads): OpAttr[] {
  const [sh, sw] = typeof strides === 'number' ? [strides, strides] : strides;
  const int = b.binding.TF_ATTR_INT;
  return [
    floatType(b),
    { name: 'strides', type: int, value: [1, sh!, sw!, 1] },
    { name: 'padding', type: b.binding.TF_ATTR_STRING, value: 'EXPLICIT' },
    { name: 'explicit_paddings', type: int, value: [0, 0, t, bo, l, r, 0, 0] },
    { name: 'data_format', type: b.binding.TF_ATTR_STRING, value: 'NHWC' },
    { name: 'dilations', type: int, value: [1, 1, 1, 1] },
    { name: 'use_cudnn_on_gpu', type: b.binding.TF_ATTR_BOOL, value: true },
  ];
}

/**
 * A conv kernel with numeric, explicit or 'valid' padding runs as the TensorFlow op with
 * padding EXPLICIT; 'same', dilations, NCHW and rounding modes go to tfjs-node's kernel.
 */
function withPads(
  kernelName: string,
  run: (pads: Pads, inputs: NamedTensorInfoMap, attrs: NamedAttrMap, b: TfBackend, stock: KernelFunc) => tf.Tensor,
): void {
  overrideTfNodeKernel(
    kernelName,
    ({ inputs, attrs, backend }, fallback) => {
      const a = (attrs ?? {}) as NamedAttrMap;
      const pads = explicitPads(a.pad);
      const dilated = [a.dilations ?? 1].flat().some((d) => d !== 1);
      if (!pads || a.dataFormat === 'NCHW' || a.dimRoundingMode != null || dilated) return fallback({ inputs, backend, attrs });
      return run(pads, inputs, a, asTfBackend(backend), fallback);
    },
  );
}

let registered = false;

export function registerNativeKernels(): void {
  if (registered) return;
  registered = true;
  registerNativeFusedKernels(TF_BACKEND_NAME);
  registerGraphFunctionKernel(TF_BACKEND_NAME);
  registerFunctionCompiler(TF_BACKEND_NAME, compileGraphFunction);
  registerAliasingReshape();
  registerBatchMatMulRoute();
  registerGatherWithoutReadBack();
  withPads(Conv2D, (pads, inputs, attrs, b) =>
    runOp(b, 'Conv2D', convAttrs(b, attrs.strides as number[], pads), [inputs.x!, inputs.filter!])[0]!);
  withPads(FusedConv2D, (pads, inputs, attrs, b, stock) => {
    const { activation } = attrs as { activation?: string };
    if (inputs.preluActivationWeights || (activation && activation !== 'linear' && activation !== 'relu')) {
      // Other activations: pad, then tfjs-node's kernel with 'valid'.
      const [[t, bo], [l, r]] = pads;
      return tf.tidy(() => {
        const x = tf.pad(asTensor(inputs.x!), [[0, 0], [t, bo], [l, r], [0, 0]]);
        return wrapOutput(stock({ inputs: { ...inputs, x }, backend: b as unknown as tf.KernelBackend, attrs: { ...attrs, pad: 'valid' } }));
      });
    }
    const bias = inputs.bias;
    if (bias && bias.shape.length === 1 && bias.shape[0] === inputs.filter!.shape[3] && supportsListAttrs(b)) {
      // One op: TensorFlow's _FusedConv2D (oneDNN applies the bias and ReLU as it writes the output).
      const fused = [...convAttrs(b, attrs.strides as number[], pads), { name: 'TArgs', type: b.binding.TF_ATTR_TYPE, value: [b.binding.TF_FLOAT] },
        ...fusedOpAttrs(b, activation === 'relu' ? ['BiasAdd', 'Relu'] : ['BiasAdd'])];
      return runOp(b, '_FusedConv2D', fused, [inputs.x!, inputs.filter!, bias])[0]!;
    }
    return tf.tidy(() => {
      const conv = runOp(b, 'Conv2D', convAttrs(b, attrs.strides as number[], pads), [inputs.x!, inputs.filter!])[0]!;
      const biased = inputs.bias ? tf.add(conv, asTensor(inputs.bias)) : conv;
      return activation === 'relu' ? tf.relu(biased) : biased;
    });
  });
  withPads(Conv2DBackpropFilter, (pads, inputs, attrs, b) => tf.tidy(() => {
    const filterSizes = tf.tensor1d(attrs.filterShape as number[], 'int32');
    return runOp(b, 'Conv2DBackpropFilter', convAttrs(b, attrs.strides as number[], pads), [inputs.x!, filterSizes, inputs.dy!])[0]!;
  }));
  withPads(Conv2DBackpropInput, (pads, inputs, attrs, b) => tf.tidy(() => {
    const inputSizes = tf.tensor1d(attrs.inputShape as number[], 'int32');
    return runOp(b, 'Conv2DBackpropInput', convAttrs(b, attrs.strides as number[], pads), [inputSizes, inputs.filter!, inputs.dy!])[0]!;
  }));
}

/** Products with at most this many output rows per batch entry run on Eigen. */
const EIGEN_MAX_ROWS = 8;

/**
 * Batched products by size. With oneDNN on, tfjs-node's BatchMatMulV2 goes to oneDNN:
 * 1.3× faster than Eigen on training's attention products (the main job's 100 queries ×
 * 1,024 image tokens: 375 against 490 ms a step), but 1.5-3× slower on a decoding step's
 * one-query products (64 × [1×32]·[32×128]: 0.27-0.52 ms against 0.17-0.19 ms). Those run
 * as BatchMatMulV3, which has V2's semantics and stays on Eigen.
 */
function registerBatchMatMulRoute(): void {
  overrideTfNodeKernel(
    BatchMatMul,
    ({ inputs, attrs, backend }, fallback) => {
      const { a, b } = inputs;
      const { transposeA, transposeB } = attrs as { transposeA: boolean; transposeB: boolean };
      const rows = a!.shape[a!.shape.length - (transposeA ? 1 : 2)]!;
      if (rows > EIGEN_MAX_ROWS || a!.dtype !== 'float32' || b!.dtype !== 'float32') return fallback({ inputs, backend, attrs });
      const tb = asTfBackend(backend);
      const bool = tb.binding.TF_ATTR_BOOL;
      const opAttrs = [
        floatType(tb, 'Ta'), floatType(tb, 'Tb'), floatType(tb, 'Tout'),
        { name: 'adj_x', type: bool, value: transposeA },
        { name: 'adj_y', type: bool, value: transposeB },
      ];
      return runOp(tb, 'BatchMatMulV3', opAttrs, [a!, b!])[0]!;
    },
  );
}

/**
 * tfjs-node's GatherV2 reads the indices back to JavaScript to check their range before
 * running TensorFlow's GatherV2, which checks them itself ("indices[0] = 9 is not in
 * [0, 8)"): a synchronous read per embedding lookup, and one a compiled function
 * (graph_function.ts) cannot contain.
 */
function registerGatherWithoutReadBack(): void {
  overrideTfNodeKernel(GatherV2, ({ inputs, attrs, backend }) => {
    const { x, indices } = inputs;
    const { axis, batchDims } = attrs as { axis: number; batchDims: number };
    const tb = asTfBackend(backend);
    const t = tb.binding;
    return tf.tidy(() => {
      const axisTensor = tf.scalar(axis, 'int32');
      const opAttrs = [
        { name: 'batch_dims', type: t.TF_ATTR_INT, value: batchDims },
        { name: 'Tparams', type: t.TF_ATTR_TYPE, value: tfDtype(tb, x!.dtype) },
        { name: 'Tindices', type: t.TF_ATTR_TYPE, value: tfDtype(tb, indices!.dtype) },
        { name: 'Taxis', type: t.TF_ATTR_TYPE, value: t.TF_INT32 },
      ];
      return runOp(tb, 'GatherV2', opAttrs, [x!, indices!, axisTensor])[0]!;
    });
  });
}

/**
 * A reshape to the shape the tensor already has (every gradient of a binary op ends
 * with one) shares the data instead of running TensorFlow's Reshape through the
 * binding: 150-300 fewer kernel calls per train step of the default model. Same for
 * a cast to the tensor's own dtype.
 */
function registerAliasingReshape(): void {
  overrideTfNodeKernel(
    Reshape,
    ({ inputs, attrs, backend }, fallback) => {
      const x = inputs.x!;
      const shape = (attrs as { shape: number[] }).shape;
      const same = shape.length === x.shape.length && shape.every((d, i) => d === x.shape[i] || (d === -1 && shape.filter((e) => e === -1).length === 1));
      if (!same) return fallback({ inputs, backend, attrs });
      backend.incRef(x.dataId);
      return { dataId: x.dataId, shape: [...x.shape], dtype: x.dtype };
    },
  );
  // Likewise a cast to the dtype the tensor has (tfjs-node's Mean casts its input to float32).
  overrideTfNodeKernel(
    Cast,
    ({ inputs, attrs, backend }, fallback) => {
      const x = inputs.x!;
      if ((attrs as { dtype: string }).dtype !== x.dtype) return fallback({ inputs, backend, attrs });
      backend.incRef(x.dataId);
      return { dataId: x.dataId, shape: [...x.shape], dtype: x.dtype };
    },
  );
}
