/**
 * Tensor backends: `initBackend({ accelerator })` picks and initialises one of
 * gpu (tfjs-node-gpu or a CUDA build in .native/), native (tfjs-node built from a
 * TensorFlow wheel by `npm run setup:native`), wasm (with our gradient kernels) or cpu.
 */
export { initBackend, ACCELERATORS } from './init_backend.js';
export type { Accelerator, BackendInfo, InitBackendOptions } from './init_backend.js';
export { findNativeBuild } from './native.js';
export { registerGradients } from './register_gradients.js';
export { defaultWasmThreads } from './threads.js';
export { registerWasmKernels, wasmKernelInfo } from './wasm_kernels/index.js';
export type { WasmKernelSet } from './wasm_kernels/index.js';
