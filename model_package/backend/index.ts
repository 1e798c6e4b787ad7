/**
 * Tensor backends: `initBackend({ accelerator })` picks and initialises one of
 * gpu (tfjs-node-gpu or a CUDA build in .native/), native (tfjs-node built from a
 * TensorFlow wheel by `npm run setup:native`), wasm (with our gradient kernels) or cpu.
 * `buildNativeOnFirstUse` makes that native build for a training run that would otherwise get wasm.
 */
export { initBackend, ACCELERATORS } from './init_backend.js';
export type { Accelerator, BackendInfo, InitBackendOptions } from './init_backend.js';
export { findNativeBuild, nativeDir } from './native.js';
export { buildNativeOnFirstUse, autoBuildSetting } from './native_build/index.js';
export type { FirstUseOptions, FirstUseOutcome } from './native_build/index.js';
export { registerGradients } from './register_gradients.js';
export { defaultWasmThreads } from './threads.js';
export { registerWasmKernels, wasmKernelInfo } from './wasm_kernels/index.js';
export type { WasmKernelSet } from './wasm_kernels/index.js';
