/**
 * Default wasm thread count, chosen by measurement on the 2-core benchmark machine
 * (README "Tensor backends", shared with other jobs): the threaded build speeds up
 * large convs but adds a fixed cost to every op, so the many small ops of a train
 * step and, above all, of greedy decoding got slower with 2 threads (train step
 * 3.8-5.3 s vs 3.8-3.9 s, decode 2.4-3.2 s vs 0.9-1.5 s). Hence 1; set
 * `trainer.num_threads` (or HTR_WASM_THREADS) to 2+ on an idle multi-core machine.
 */
export const DEFAULT_WASM_THREADS = 1;

export function defaultWasmThreads(): number {
  const env = Number(process.env.HTR_WASM_THREADS);
  if (Number.isInteger(env) && env > 0) return env;
  return DEFAULT_WASM_THREADS;
}
