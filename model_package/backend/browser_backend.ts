/**
 * Tensor backends in a browser: wasm (SIMD; threads too when the page is
 * cross-origin isolated) or cpu (plain JS, slower, always there). The .wasm files
 * are fetched from `wasmPath` (the demo build copies them next to its script).
 */
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { htrError } from '../errors.js';
import { registerWasmKernels } from './wasm_kernels/index.js';

export const BROWSER_BACKENDS = ['auto', 'wasm', 'cpu'] as const;
export type BrowserBackend = (typeof BROWSER_BACKENDS)[number];

export interface BrowserBackendOptions {
  /** auto: wasm, else cpu. */
  readonly backend?: BrowserBackend;
  /** URL prefix (ending in "/") of tfjs-backend-wasm's .wasm files; default: next to the page. */
  readonly wasmPath?: string;
}

/** Selects and initialises a backend; resolves to the tfjs backend name in use. */
export async function initBrowserBackend(options: BrowserBackendOptions = {}): Promise<string> {
  const choice = options.backend ?? 'auto';
  const reasons: string[] = [];
  if (choice !== 'cpu') {
    try {
      setWasmPaths(options.wasmPath ?? new URL('./', typeof document !== 'undefined' ? document.baseURI : location.href).href);
      // The OneHot fix matters for inference (character probabilities); the rest are speed-ups.
      registerWasmKernels('all');
      if (await tf.setBackend('wasm')) return 'wasm';
      reasons.push('wasm: failed to initialise');
    } catch (err) {
      reasons.push(`wasm: ${(err as Error).message}`);
    }
    if (choice === 'wasm') throw htrError('HTR_ERR_BACKEND_UNAVAILABLE', { value: 'wasm', reason: reasons.join('; ') });
  }
  if (await tf.setBackend('cpu')) return 'cpu';
  throw htrError('HTR_ERR_BACKEND_UNAVAILABLE', { value: choice, reason: [...reasons, 'cpu: failed to initialise'].join('; ') });
}
