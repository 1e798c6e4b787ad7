/**
 * Gradient and speed kernels for the wasm backend, registered when wasm is selected
 * (model_package/backend/wasm.ts). See README "Tensor backends" for the list and the
 * measured speed-ups; each is checked against the cpu backend in
 * test/model_package/backend/wasm_kernels/.
 */
import { registerBatchMatMul } from './batch_mat_mul.js';
import { registerConv2dBackpropFilter } from './conv2d_backprop_filter.js';
import { registerConv2dBackpropInput } from './conv2d_backprop_input.js';
import { registerStridedSlice } from './strided_slice.js';
import { registerSlice } from './slice.js';
import { registerReverse } from './reverse.js';
import { registerFusedBatchNorm } from './fused_batch_norm.js';
import { registerIdentityAlias } from './identity_alias.js';
import { registerSumOuterAxes } from './sum_outer_axes.js';
import { registerOneHot } from './one_hot.js';
import { registerTileBroadcast } from './tile_broadcast.js';
import { registerTransposeMerged } from './transpose_merged.js';
import { registerUnsortedSegmentSum } from './unsorted_segment_sum.js';
import { installed } from './kernel_util.js';

export type WasmKernelSet = 'all' | 'missing';

let registered: WasmKernelSet | null = null;

/**
 * 'missing' adds only what wasm lacks or gets wrong (Conv2DBackpropFilter, UnsortedSegmentSum,
 * a float OneHot)
 * -- the benchmark's "stock wasm" row; 'all' also replaces the slow stock ones.
 * Must run before the first use of the wasm backend; a second call is a no-op.
 */
export function registerWasmKernels(set: WasmKernelSet = (process.env.HTR_WASM_KERNELS as WasmKernelSet) ?? 'all'): void {
  if (registered) return;
  registered = set;
  registerConv2dBackpropFilter();
  registerUnsortedSegmentSum();
  registerOneHot();
  if (set === 'missing') return;
  registerConv2dBackpropInput();
  registerSumOuterAxes();
  registerTileBroadcast();
  registerBatchMatMul();
  registerStridedSlice();
  registerSlice();
  registerIdentityAlias();
  registerTransposeMerged();
  registerReverse();
  registerFusedBatchNorm();
}

/** Which set is registered and the kernel names installed. */
export function wasmKernelInfo(): { set: WasmKernelSet | null; kernels: string[] } {
  return { set: registered, kernels: installed.map((k) => k.name) };
}

export { conv2dBackpropFilter } from './conv2d_backprop_filter.js';
export { conv2dBackpropInput } from './conv2d_backprop_input.js';
export { unsortedSegmentSum } from './unsorted_segment_sum.js';
