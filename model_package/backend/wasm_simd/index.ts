/**
 * Our SIMD kernels (htr_kernels.c), instantiated on tfjs-wasm's own memory so they read
 * and write tensors where tfjs keeps them. `attachSimdKernels` runs once per wasm
 * module when the backend is selected; kernels look theirs up with `simdKernelsFor` and
 * take their older route when it returns null (no WebAssembly SIMD, or HTR_WASM_SIMD=0).
 */
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { KERNELS_SHARED_WASM, KERNELS_WASM } from './htr_kernels_wasm.js';
import { recordSimdKernels, simdKernelsFor, type SimdKernels } from './registry.js';

export { currentSimdKernels, heapOffset, simdKernelsFor, type SimdKernels } from './registry.js';

/** What tfjs-wasm's Emscripten module exposes of its memory (the threaded loader records its shared one). */
interface EmscriptenMemoryHost {
  asm?: { memory?: WebAssembly.Memory };
  htrMemory?: WebAssembly.Memory;
}

function disabledByEnv(): boolean {
  return typeof process !== 'undefined' && process.env?.HTR_WASM_SIMD === '0';
}

function decodeBase64(text: string): ArrayBuffer {
  return Uint8Array.from(atob(text), (c) => c.charCodeAt(0)).buffer;
}

/** The memory tfjs-wasm keeps its tensors in, or null if this build hides it. */
function tfjsMemory(backend: BackendWasm): WebAssembly.Memory | null {
  const host = backend.wasm as unknown as EmscriptenMemoryHost;
  return host.asm?.memory ?? host.htrMemory ?? null;
}

/** Instantiates the kernels on `backend`'s memory; returns null (and the old routes stay) where that cannot be done. */
export async function attachSimdKernels(backend: BackendWasm): Promise<SimdKernels | null> {
  const have = simdKernelsFor(backend);
  if (have) return have;
  if (disabledByEnv()) return null;
  const memory = tfjsMemory(backend);
  if (!memory) return null;
  const shared = typeof SharedArrayBuffer !== 'undefined' && memory.buffer instanceof SharedArrayBuffer;
  let instance: WebAssembly.Instance;
  try {
    const bytes = decodeBase64(shared ? KERNELS_SHARED_WASM : KERNELS_WASM);
    instance = await WebAssembly.instantiate(await WebAssembly.compile(bytes), { env: { memory } });
  } catch {
    return null; // a runtime without WebAssembly SIMD
  }
  const exports = instance.exports as unknown as {
    conv2d_filter_grad: SimdKernels['conv2dFilterGrad'];
    conv2d_input_grad: SimdKernels['conv2dInputGrad'];
    batch_norm_train: SimdKernels['batchNormTrain'];
    batch_norm_train_grad: SimdKernels['batchNormTrainGrad'];
    relu_grad: SimdKernels['reluGrad'];
  };
  const kernels: SimdKernels = {
    conv2dFilterGrad: exports.conv2d_filter_grad,
    conv2dInputGrad: exports.conv2d_input_grad,
    batchNormTrain: exports.batch_norm_train,
    batchNormTrainGrad: exports.batch_norm_train_grad,
    reluGrad: exports.relu_grad,
  };
  recordSimdKernels(backend, kernels);
  return kernels;
}
