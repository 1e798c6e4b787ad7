/**
 * Default wasm thread count, chosen by measurement on the 2-core benchmark machine
 * (docs/benchmarks_speed.md, "Threads"). The threaded build speeds up large convs but
 * adds a fixed cost to every op and suffers most when other jobs share the cores: on
 * a quiet machine 2 threads gave a 0.82x train step and 0.91x decode, under load
 * (load average 3-12 on 2 cores) 1.26-1.38x and 3.6-3.9x. Hence 1; set `trainer.num_threads`
 * (or HTR_WASM_THREADS) to 2+ on an idle multi-core machine.
 */
export const DEFAULT_WASM_THREADS = 1;

export function defaultWasmThreads(): number {
  const env = Number(process.env.HTR_WASM_THREADS);
  if (Number.isInteger(env) && env > 0) return env;
  return DEFAULT_WASM_THREADS;
}
