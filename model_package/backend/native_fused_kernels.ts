/**
 * The layers' fused kernels (models/layers/fused_kernels.ts) for the TensorFlow
 * backend, each ONE TensorFlow op through tfjs-node's binding:
 *  - BATCH_NORM_TRAIN: FusedBatchNormV3 in training mode, which also returns the
 *    updated running statistics (exponential_avg_factor = momentum, unbiased variance);
 *  - BATCH_NORM_TRAIN_GRAD: FusedBatchNormGradV3;
 *  - RELU_GRAD: ReluGrad;
 *  - LINEAR: TensorFlow's one-op _FusedMatMul (MatMul + BiasAdd (+ Relu)), 45 against 72 µs
 *    as separate ops on a decoding step's [16,128] x [128,384]; the separate ops where the
 *    addon cannot pass its list attribute. Either is 1 call instead of tfjs's 6-7 (its
 *    fused matMul reshapes both operands to 3-D and back, and each reshape is a call here).
 *  - RMS_NORM: Square, Mean, AddV2, Rsqrt, Mul in one kernel call: 124 against 166 µs as
 *    five tfjs kernels on [16,128] (LRN over the whole depth gives the same in one op
 *    but needs 4-D input, and the two reshapes cost what it saves).
 * (LayerNorm as FusedBatchNormV3 over NCHW rows was tried: slower than the 9 plain kernels.)
 * Measured on a [16,28,256,32] BatchNorm + ReLU, forward and backward: 4x faster than
 * the same math in tfjs ops (about 25 kernels, each a full pass).
 */
import * as tf from '@tensorflow/tfjs-core';
import type { KernelConfig, KernelFunc, NamedAttrMap, TensorInfo } from '@tensorflow/tfjs-core';
import {
  BATCH_NORM_TRAIN, BATCH_NORM_TRAIN_GRAD, LINEAR, RELU_GRAD, RMS_NORM, type BatchNormTrainAttrs,
} from '../models/layers/fused_kernels.js';
import { asTfBackend, floatType, fusedMatMulAttrs, runOp, supportsListAttrs, type OpAttr, type TfBackend } from './tf_raw_ops.js';

function batchNormAttrs(b: TfBackend, epsilon: number, factor?: number): OpAttr[] {
  const t = b.binding;
  return [
    floatType(b, 'T'),
    floatType(b, 'U'),
    { name: 'epsilon', type: t.TF_ATTR_FLOAT, value: epsilon },
    { name: 'data_format', type: t.TF_ATTR_STRING, value: 'NHWC' },
    { name: 'is_training', type: t.TF_ATTR_BOOL, value: true },
    ...(factor === undefined ? [] : [{ name: 'exponential_avg_factor', type: t.TF_ATTR_FLOAT, value: factor }]),
  ];
}

function register(kernelName: string, kernelFunc: (inputs: Record<string, TensorInfo>, attrs: NamedAttrMap, b: TfBackend) => TensorInfo | TensorInfo[], backendName: string): void {
  if (tf.getKernel(kernelName, backendName)) return;
  const config: KernelConfig = {
    kernelName,
    backendName,
    kernelFunc: (({ inputs, attrs, backend }) =>
      kernelFunc(inputs as Record<string, TensorInfo>, attrs ?? {}, asTfBackend(backend as tf.KernelBackend))) as KernelFunc,
  };
  tf.registerKernel(config);
}

export function registerNativeFusedKernels(backendName: string): void {
  register(BATCH_NORM_TRAIN, (inputs, attrs, b) => {
    const { epsilon, momentum } = attrs as unknown as BatchNormTrainAttrs;
    const { x, scale, offset, mean, variance } = inputs;
    // y, running mean, running variance, reserve 1-3 (batch mean, batch variance, and
    // an empty placeholder on CPU that the binding cannot pass back in).
    const out = runOp(b, 'FusedBatchNormV3', batchNormAttrs(b, epsilon, momentum), [x!, scale!, offset!, mean!, variance!], 6);
    out[5]!.dispose();
    return out.slice(0, 5);
  }, backendName);
  register(BATCH_NORM_TRAIN_GRAD, (inputs, attrs, b) => {
    const { epsilon } = attrs as { epsilon: number };
    const { dy, x, scale, saved0, saved1 } = inputs;
    const empty = tf.tensor1d([], 'float32');
    const out = runOp(b, 'FusedBatchNormGradV3', batchNormAttrs(b, epsilon), [dy!, x!, scale!, saved0!, saved1!, empty], 5);
    empty.dispose();
    for (const t of out.slice(3)) t.dispose();
    return out.slice(0, 3);
  }, backendName);
  register(RELU_GRAD, (inputs, _attrs, b) => runOp(b, 'ReluGrad', [floatType(b)], [inputs.dy!, inputs.y!])[0]!, backendName);
  register(LINEAR, (inputs, attrs, b) => {
    const t = b.binding;
    const { activation } = attrs as { activation?: string };
    const relu = activation === 'relu';
    if (supportsListAttrs(b)) {
      return runOp(b, '_FusedMatMul', fusedMatMulAttrs(b, relu ? ['BiasAdd', 'Relu'] : ['BiasAdd']), [inputs.x!, inputs.weight!, inputs.bias!])[0]!;
    }
    const y = runOp(b, 'MatMul', [floatType(b), { name: 'transpose_a', type: t.TF_ATTR_BOOL, value: false },
      { name: 'transpose_b', type: t.TF_ATTR_BOOL, value: false }], [inputs.x!, inputs.weight!])[0]!;
    const biased = runOp(b, 'BiasAdd', [floatType(b), { name: 'data_format', type: t.TF_ATTR_STRING, value: 'NHWC' }], [y, inputs.bias!])[0]!;
    y.dispose();
    if (!relu) return biased;
    const out = runOp(b, 'Relu', [floatType(b)], [biased])[0]!;
    biased.dispose();
    return out;
  }, backendName);
  register(RMS_NORM, (inputs, attrs, b) => {
    const { epsilon } = attrs as { epsilon: number };
    const x = inputs.x!;
    const f = [floatType(b)];
    const axis = tf.tensor1d([x.shape.length - 1], 'int32');
    const eps = tf.scalar(epsilon);
    const square = runOp(b, 'Square', f, [x])[0]!;
    const meanAttrs = [...f, { name: 'Tidx', type: b.binding.TF_ATTR_TYPE, value: b.binding.TF_INT32 }, { name: 'keep_dims', type: b.binding.TF_ATTR_BOOL, value: true }];
    const meanSquare = runOp(b, 'Mean', meanAttrs, [square, axis])[0]!;
    const variance = runOp(b, 'AddV2', f, [meanSquare, eps])[0]!;
    const inv = runOp(b, 'Rsqrt', f, [variance])[0]!;
    const y = runOp(b, 'Mul', f, [x, inv])[0]!;
    tf.dispose([axis, eps, square, meanSquare, variance, inv]);
    return y;
  }, backendName);
}
