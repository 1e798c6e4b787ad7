/**
 * Calling TensorFlow ops by name through tfjs-node's binding, for the kernels tfjs-node
 * does not expose or exposes with fewer options (explicit conv padding, fused
 * BatchNorm training, ReluGrad). Inputs are tensors of the TensorFlow backend; the
 * outputs are tensors tracked by the engine.
 */
import type { TensorInfo } from '@tensorflow/tfjs-core';
import * as tf from '@tensorflow/tfjs-core';

/** What we use of tfjs-node's NodeJSKernelBackend. */
export interface TfBackend {
  readonly binding: {
    readonly TF_ATTR_TYPE: number;
    readonly TF_ATTR_FLOAT: number;
    readonly TF_ATTR_INT: number;
    readonly TF_ATTR_STRING: number;
    readonly TF_ATTR_BOOL: number;
    readonly TF_FLOAT: number;
    readonly TF_INT32: number;
  };
  executeMultipleOutputs(name: string, attrs: OpAttr[], inputs: TensorInfo[], numOutputs: number): tf.Tensor[];
}

export interface OpAttr {
  name: string;
  type: number;
  value: number | string | boolean | number[];
}

export function asTfBackend(backend: tf.KernelBackend): TfBackend {
  return backend as unknown as TfBackend;
}

/** The float32 type attribute `name` ('T', 'U'). */
export function floatType(b: TfBackend, name = 'T'): OpAttr {
  return { name, type: b.binding.TF_ATTR_TYPE, value: b.binding.TF_FLOAT };
}

export function runOp(b: TfBackend, name: string, attrs: OpAttr[], inputs: TensorInfo[], numOutputs = 1): tf.Tensor[] {
  return b.executeMultipleOutputs(name, attrs, inputs, numOutputs);
}
