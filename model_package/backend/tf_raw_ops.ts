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
    readonly TF_INT64: number;
    readonly TF_BOOL: number;
  };
  executeMultipleOutputs(name: string, attrs: OpAttr[], inputs: TensorInfo[], numOutputs: number): tf.Tensor[];
}

export interface OpAttr {
  name: string;
  type: number;
  /** Arrays of strings or types need the addon built by our setup (see supportsListAttrs). */
  value: number | string | boolean | number[] | string[];
}

export function asTfBackend(backend: tf.KernelBackend): TfBackend {
  return backend as unknown as TfBackend;
}

/** The float32 type attribute `name` ('T', 'U'). */
export function floatType(b: TfBackend, name = 'T'): OpAttr {
  return { name, type: b.binding.TF_ATTR_TYPE, value: b.binding.TF_FLOAT };
}

/** The TF_DataType of a tfjs dtype; undefined for those the ops called here never take (string, complex64). */
export function tfDtypeOf(b: TfBackend, dtype: tf.DataType): number | undefined {
  const types: Partial<Record<tf.DataType, number>> = { float32: b.binding.TF_FLOAT, int32: b.binding.TF_INT32, bool: b.binding.TF_BOOL };
  return types[dtype];
}

export function tfDtype(b: TfBackend, dtype: tf.DataType): number {
  const t = tfDtypeOf(b, dtype);
  if (t === undefined) throw new Error(`no TensorFlow type for ${dtype} here`);
  return t;
}

/** A TensorFlow tensor handle that tfjs does not track (an int64 index tensor, say). */
export interface TfHandle {
  readonly id: number;
  readonly shape: number[];
  readonly dtype: number;
}

/** What tfjs-node's backend offers below its tensors: ops on handles. */
interface HandleBackend {
  readonly binding: {
    executeOp(name: string, attrs: OpAttr[], inputIds: number[], numOutputs: number): TfHandle[];
    deleteTensor(id: number): void;
  };
  getInputTensorIds(tensors: readonly TensorInfo[]): number[];
  createOutputTensor(handle: TfHandle): tf.Tensor;
}

/**
 * Runs op `name` on tfjs tensors and raw handles, returning raw handles: for chains
 * through types tfjs has no tensor for (int64), which tfjs-node would otherwise
 * convert with a warning at every call. Wrap outputs with `tensorOfHandle` or free
 * them with `deleteHandle`.
 */
export function runOpOnHandles(b: TfBackend, name: string, attrs: OpAttr[], inputs: ReadonlyArray<TensorInfo | TfHandle>, numOutputs = 1): TfHandle[] {
  const hb = b as unknown as HandleBackend;
  const ids = inputs.map((t) => ('dataId' in t ? hb.getInputTensorIds([t])[0]! : t.id));
  return hb.binding.executeOp(name, attrs, ids, numOutputs);
}

/** The engine-tracked tensor of a float32, int32 or bool handle (the tensor now owns it). */
export function tensorOfHandle(b: TfBackend, handle: TfHandle): tf.Tensor {
  return (b as unknown as HandleBackend).createOutputTensor(handle);
}

export function deleteHandle(b: TfBackend, handle: TfHandle): void {
  (b as unknown as HandleBackend).binding.deleteTensor(handle.id);
}

export function runOp(b: TfBackend, name: string, attrs: OpAttr[], inputs: TensorInfo[], numOutputs = 1): tf.Tensor[] {
  return b.executeMultipleOutputs(name, attrs, inputs, numOutputs);
}

/**
 * TensorFlow's one-op fused kernels (MatMul or Conv2D + BiasAdd + Relu) need a list of
 * strings as an attribute, which only an addon built by `npm run setup:native` since
 * scripts/patch_tfjs_binding.py can pass; older builds get the separate ops.
 */
export function fusedOpAttrs(b: TfBackend, ops: readonly string[]): OpAttr[] {
  return [
    { name: 'num_args', type: b.binding.TF_ATTR_INT, value: 1 },
    { name: 'fused_ops', type: b.binding.TF_ATTR_STRING, value: [...ops] },
  ];
}

/** _FusedMatMul's attributes: x @ weight, then `ops` (['BiasAdd'] or ['BiasAdd', 'Relu']). */
export function fusedMatMulAttrs(b: TfBackend, ops: readonly string[]): OpAttr[] {
  const bool = b.binding.TF_ATTR_BOOL;
  return [floatType(b), { name: 'transpose_a', type: bool, value: false }, { name: 'transpose_b', type: bool, value: false }, ...fusedOpAttrs(b, ops)];
}

let listAttrs: boolean | undefined;

/** Forces the separate ops (true) or probes again (false): for tests and A/B timings. */
export function useSeparateOps(separate: boolean): void {
  listAttrs = separate ? false : undefined;
}

/** Can this addon pass list attributes? Probed once with a 1×1 fused product. */
export function supportsListAttrs(b: TfBackend): boolean {
  if (listAttrs !== undefined) return listAttrs;
  const one = tf.tensor2d([[1]]);
  const bias = tf.tensor1d([1]);
  try {
    const [y] = runOp(b, '_FusedMatMul', fusedMatMulAttrs(b, ['BiasAdd']), [one, one, bias]);
    listAttrs = y!.dataSync()[0] === 2;
    y!.dispose();
  } catch {
    listAttrs = false;
  } finally {
    tf.dispose([one, bias]);
  }
  return listAttrs;
}
