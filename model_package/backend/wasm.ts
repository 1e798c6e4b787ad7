/**
 * The wasm backend in Node: point it at the .wasm files inside the installed package
 * (Emscripten reads them with fs), and register our gradient kernels.
 *
 * Threads: tfjs hard-codes WASM_HAS_MULTITHREAD_SUPPORT=false in Node, so only the
 * single-threaded SIMD build loads. `threaded_wasm.ts` loads the threaded build by hand
 * when more than one thread is asked for.
 */
import * as tf from '@tensorflow/tfjs-core';
import { getThreadsCount, setWasmPaths, type BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { createRequire } from 'node:module';
import path from 'node:path';
import { registerWasmKernels, wasmKernelInfo } from './wasm_kernels/index.js';
import { registerThreadedWasm, threadedWasmLoaded } from './threaded_wasm.js';
import { attachSimdKernels } from './wasm_simd/index.js';
import { registerSimdTrainingKernels } from './wasm_kernels/simd_training_kernels.js';

let pathsSet = false;

/** Folder holding tfjs-backend-wasm's .wasm binaries (its dist/), with a trailing slash. */
export function wasmDistDir(): string {
  const main = createRequire(import.meta.url).resolve('@tensorflow/tfjs-backend-wasm');
  return path.dirname(main) + path.sep;
}

export interface WasmInit {
  readonly threads: number;
  /** Our SIMD kernels (wasm_simd/) are attached: false without WebAssembly SIMD or with HTR_WASM_SIMD=0. */
  readonly simdKernels: boolean;
}

/** Selects wasm with `numThreads` threads (1 = the stock single-threaded SIMD build). */
export async function loadWasm(numThreads: number): Promise<WasmInit> {
  if (!pathsSet) {
    setWasmPaths(wasmDistDir());
    pathsSet = true;
  }
  registerWasmKernels();
  // Once the threaded build replaced the stock one (whose loader tfjs does not export),
  // every later request, 1 thread included, goes through it.
  if (numThreads > 1 || threadedWasmLoaded() > 0) {
    await registerThreadedWasm(numThreads, wasmDistDir());
    if (!(await tf.setBackend('wasm'))) throw new Error('the threaded wasm build failed to initialise');
    return { threads: getThreadsCount(), simdKernels: await withSimdKernels() };
  }
  if (!(await tf.setBackend('wasm'))) throw new Error('the wasm backend failed to initialise');
  return { threads: 1, simdKernels: await withSimdKernels() };
}

/**
 * Attaches our SIMD kernels to the wasm backend just selected and registers the kernels
 * they run; not with HTR_WASM_KERNELS=missing, the benchmarks' stock-wasm row.
 */
async function withSimdKernels(): Promise<boolean> {
  if (wasmKernelInfo().set !== 'all') return false;
  const kernels = await attachSimdKernels(tf.backend() as BackendWasm);
  if (kernels) registerSimdTrainingKernels();
  return kernels !== null;
}
