/**
 * Loads tfjs-backend-wasm's threaded-SIMD build in Node, which tfjs itself never does
 * (WASM_HAS_MULTITHREAD_SUPPORT is hard-wired false under Node). Three things stand in
 * the way, each handled here:
 *  1. Emscripten starts pthreads with `new Worker(file)`; tfjs hands it a blob: URL,
 *     which worker_threads cannot run. We write the worker source to a temp file,
 *     escaping newlines the way tfjs does for its Blob (the source holds "\n" literals).
 *  2. The worker re-evaluates the main script by path (`mainScriptUrlOrBlob`).
 *  3. The C++ side caps threads at `emscripten_num_logical_cores() / 2`, read once
 *     when the module is instantiated; in Node that is `os.cpus().length`, so we
 *     report enough cores for the duration of instantiation.
 * Its worker threads are unref'd so they do not keep the process alive.
 * The result replaces the registered 'wasm' backend; the kernels (registered by name)
 * are shared with the single-threaded build.
 */
import * as tf from '@tensorflow/tfjs-core';
import { BackendWasm, setThreadsCount, getThreadsCount } from '@tensorflow/tfjs-backend-wasm';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';

interface NodeWorker {
  unref?: () => void;
}
interface EmscriptenModule {
  cwrap(name: string, ret: string | null, args: string[]): (...a: number[]) => number;
  tfjs?: Record<string, (...a: number[]) => number>;
  PThread?: { unusedWorkers: NodeWorker[]; runningWorkers: NodeWorker[] };
  /** The shared memory we hand the build, recorded so our SIMD kernels can import it too (wasm_simd/). */
  htrMemory?: WebAssembly.Memory;
}

/** What the threaded build would allocate itself (Emscripten's INITIAL_MEMORY 16 MiB, up to 4 GiB, shared). */
function sharedWasmMemory(): WebAssembly.Memory {
  return new WebAssembly.Memory({ initial: 256, maximum: 65536, shared: true });
}
type Factory = (config: Record<string, unknown>) => Promise<EmscriptenModule>;

let loadedThreads = 0;

/** Registers (once per thread count) a 'wasm' backend backed by the threaded build; returns its thread count. */
export async function registerThreadedWasm(numThreads: number, distDir: string): Promise<number> {
  if (loadedThreads === numThreads && tf.findBackend('wasm')) return getThreadsCount();
  const req = createRequire(import.meta.url);
  const outDir = path.join(distDir, '..', 'wasm-out');
  const mainScript = path.join(outDir, 'tfjs-backend-wasm-threaded-simd.js');
  const factory = req(mainScript) as Factory;
  const { wasmWorkerContents } = req(path.join(outDir, 'tfjs-backend-wasm-threaded-simd.worker.js')) as {
    wasmWorkerContents: string;
  };
  const workerFile = path.join(mkdtempSync(path.join(os.tmpdir(), 'htr-wasm-')), 'tfjs-backend-wasm.worker.js');
  writeFileSync(workerFile, wasmWorkerContents.replace(/\n/g, '\\n'));

  const realCpus = os.cpus;
  const fakeCores = Array.from({ length: 2 * numThreads }, () => realCpus()[0]!);
  os.cpus = () => fakeCores;
  let wasm: EmscriptenModule;
  const memory = sharedWasmMemory();
  try {
    wasm = await factory({
      wasmMemory: memory,
      locateFile: (file: string) =>
        file.endsWith('.worker.js')
          ? workerFile
          : file.endsWith('.wasm')
            ? path.join(distDir, 'tfjs-backend-wasm-threaded-simd.wasm')
            : path.join(outDir, file),
      mainScriptUrlOrBlob: mainScript,
    });
  } finally {
    os.cpus = realCpus;
  }
  wasm.htrMemory = memory;
  // The same JS <-> wasm bridge tfjs builds in its own init().
  wasm.tfjs = {
    init: wasm.cwrap('init', null, []),
    initWithThreadsCount: wasm.cwrap('init_with_threads_count', null, ['number']),
    getThreadsCount: wasm.cwrap('get_threads_count', 'number', []),
    registerTensor: wasm.cwrap('register_tensor', null, ['number', 'number', 'number']),
    disposeData: wasm.cwrap('dispose_data', null, ['number']),
    dispose: wasm.cwrap('dispose', null, []),
  };
  setThreadsCount(numThreads);
  if (tf.findBackendFactory('wasm')) tf.removeBackend('wasm');
  // BackendWasm's constructor type wants tfjs's own module typing; ours is structurally what it uses.
  const Ctor = BackendWasm as unknown as new (m: EmscriptenModule) => tf.KernelBackend;
  tf.registerBackend(
    'wasm',
    () => {
      const backend = new Ctor(wasm);
      // The pool's worker threads would keep Node alive after the program is done.
      for (const w of [...(wasm.PThread?.unusedWorkers ?? []), ...(wasm.PThread?.runningWorkers ?? [])]) w.unref?.();
      return backend;
    },
    2,
  );
  loadedThreads = numThreads;
  return numThreads;
}

/** Has the threaded build been registered (so a 1-thread request must reload the stock one)? */
export function threadedWasmLoaded(): number {
  return loadedThreads;
}
