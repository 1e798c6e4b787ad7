/**
 * Default wasm thread count. Measured on the 2-core benchmark machine (README
 * "Tensor backends"): the threaded build speeds convs up but adds a fixed cost per
 * op, so the default is set from that measurement; `trainer.num_threads` or the
 * HTR_WASM_THREADS environment variable override it.
 */
import os from 'node:os';

export const DEFAULT_MAX_WASM_THREADS = 2;

export function defaultWasmThreads(): number {
  const env = Number(process.env.HTR_WASM_THREADS);
  if (Number.isInteger(env) && env > 0) return env;
  return Math.max(1, Math.min(DEFAULT_MAX_WASM_THREADS, os.availableParallelism()));
}
