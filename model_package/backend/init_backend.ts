/**
 * `trainer.accelerator` -> a live tfjs backend. `auto` tries gpu, native, wasm, cpu in
 * that order and logs why it skipped each; an explicit choice that cannot load throws
 * HTR_ERR_BACKEND_UNAVAILABLE (never a silent fallback).
 */
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import './register_gradients.js';
import { htrError } from '../errors.js';
import { findNativeBuild, isInstalled, loadNativeBuild, loadNodePackage } from './native.js';
import { TF_BACKEND_NAME } from './native_kernels.js';
import { loadWasm } from './wasm.js';
import { defaultWasmThreads } from './threads.js';

export const ACCELERATORS = ['auto', 'gpu', 'native', 'wasm', 'cpu'] as const;
export type Accelerator = (typeof ACCELERATORS)[number];
type Concrete = Exclude<Accelerator, 'auto'>;

export interface InitBackendOptions {
  readonly accelerator?: Accelerator;
  /** wasm threads; 0 or undefined = the measured default (see threads.ts). */
  readonly numThreads?: number;
  /** Where to report the choice; default console.log. */
  readonly log?: (msg: string) => void;
}

export interface BackendInfo {
  /** The accelerator that was loaded (gpu | native | wasm | cpu). */
  readonly name: Concrete;
  /** tfjs backend name (tensorflow | wasm | cpu). */
  readonly tfBackend: string;
  readonly threads?: number;
  /** wasm: our SIMD kernels (model_package/backend/wasm_simd/) are attached. */
  readonly simdKernels?: boolean;
  readonly skipped: Array<{ name: string; reason: string }>;
}

/** The current backend per request key, so a repeated call is a no-op. */
const loaded = new Map<string, BackendInfo>();

export async function initBackend(options: InitBackendOptions = {}): Promise<BackendInfo> {
  const accelerator = options.accelerator ?? 'auto';
  const log = options.log ?? ((msg: string) => console.log(msg));
  const threads = options.numThreads && options.numThreads > 0 ? options.numThreads : defaultWasmThreads();
  const key = `${accelerator}/${threads}`;
  silenceCpuBanner();
  const cached = loaded.get(key);
  if (cached && tf.getBackend() === cached.tfBackend) return cached;

  if (!(ACCELERATORS as readonly string[]).includes(accelerator)) {
    throw htrError('HTR_ERR_BACKEND_UNAVAILABLE', {
      value: accelerator,
      reason: `unknown accelerator; use one of ${ACCELERATORS.join(', ')}`,
      allowed: ACCELERATORS,
    });
  }

  const order: Concrete[] = accelerator === 'auto' ? ['gpu', 'native', 'wasm', 'cpu'] : [accelerator];
  const skipped: Array<{ name: string; reason: string }> = [];
  for (const name of order) {
    try {
      const info = await loadOne(name, threads);
      const result: BackendInfo = { name, tfBackend: tf.getBackend(), ...info, skipped };
      for (const s of skipped) log(`[backend] skipped ${s.name}: ${s.reason}`);
      log(`[backend] using ${name} (tfjs backend "${result.tfBackend}"${info.threads ? `, ${info.threads} thread(s)` : ''}${info.simdKernels === false ? ', without our SIMD kernels' : ''})`);
      loaded.set(key, result);
      return result;
    } catch (err) {
      const reason = err instanceof Error ? err.message : String(err);
      if (accelerator !== 'auto') {
        throw htrError('HTR_ERR_BACKEND_UNAVAILABLE', { value: name, reason }, err);
      }
      skipped.push({ name, reason });
    }
  }
  // cpu is pure JS and always loads; reaching here means tfjs itself is broken.
  throw htrError('HTR_ERR_BACKEND_UNAVAILABLE', {
    value: accelerator,
    reason: skipped.map((s) => `${s.name}: ${s.reason}`).join('; '),
  });
}

async function loadOne(name: Concrete, threads: number): Promise<{ threads?: number; simdKernels?: boolean }> {
  switch (name) {
    case 'gpu': {
      const build = findNativeBuild();
      if (build?.flavor === 'gpu') {
        await loadNativeBuild(build);
        return {};
      }
      if (!isInstalled('@tensorflow/tfjs-node-gpu')) {
        throw new Error(
          '@tensorflow/tfjs-node-gpu is not installed and .native/ holds no CUDA build ' +
            '(HTR_TF_WHEEL=tensorflow npm run setup:native; see README "Tensor backends")',
        );
      }
      await loadNodePackage('@tensorflow/tfjs-node-gpu');
      return {};
    }
    case 'native': {
      const build = findNativeBuild();
      if (build) {
        await loadNativeBuild(build);
        return {};
      }
      if (!isInstalled('@tensorflow/tfjs-node')) {
        throw new Error('not built: run `npm run setup:native` (builds tfjs-node against a TensorFlow wheel into .native/)');
      }
      await loadNodePackage('@tensorflow/tfjs-node');
      return {};
    }
    case 'wasm':
      return loadWasm(threads);
    case 'cpu':
      if (!(await tf.setBackend('cpu'))) throw new Error('the cpu backend failed to initialise');
      return {};
  }
}

export { TF_BACKEND_NAME };

/**
 * The cpu backend prints an "install the node backend" banner on its first
 * tensor; we choose backends on purpose and log the choice, so mark it as used.
 */
function silenceCpuBanner(): void {
  const cpu = tf.findBackend('cpu') as { firstUse?: boolean } | null;
  if (cpu && 'firstUse' in cpu) cpu.firstUse = false;
}
