/**
 * Inference functions run as ONE backend call where the backend can compile them: the
 * backend records the function's own kernels once (the model stays defined once, in
 * TypeScript) and replays them as a graph. On the TensorFlow backend a decoding step is
 * ~90 small ops, and their per-op eager dispatch costs more than their arithmetic.
 * Where no backend compiler is registered, or it declines, the function runs as written.
 */
import * as tf from '@tensorflow/tfjs-core';

/** A function of tensors to tensors, with no read-back to JavaScript inside. */
export type TensorFunction = (inputs: readonly tf.Tensor[]) => tf.Tensor[];

export interface CompiledFunction {
  run(inputs: readonly tf.Tensor[]): tf.Tensor[];
  dispose(): void;
}

/** A function the backend cannot compile (it then runs as written); any other error is the function's own. */
export class NotCompilableError extends Error {
  override readonly name = 'NotCompilableError';
}

/**
 * The tensors a compiled function may read besides its inputs, baked in with their current
 * values: a list, or 'existing' for every tensor that existed before the recording run (for
 * functions of a whole model's state, whose owner drops the compiled copies when any
 * weight changes).
 */
export type Constants = readonly tf.Tensor[] | 'existing';

/**
 * Runs `fn` once on `inputs` while recording it, and returns its outputs and the compiled
 * function (null when it cannot be compiled). Tensors `fn` reads other than its inputs must
 * be among `constants`.
 */
export type FunctionCompiler = (fn: TensorFunction, inputs: readonly tf.Tensor[], constants: Constants) => {
  readonly outputs: tf.Tensor[];
  readonly compiled: CompiledFunction | null;
};

const compilers = new Map<string, FunctionCompiler>();
const warned = new Set<string>();

function warnOnce(message: string): void {
  if (warned.has(message)) return;
  warned.add(message);
  console.warn(`[htr-ts] running op by op: ${message}`);
}

export function registerFunctionCompiler(backendName: string, compiler: FunctionCompiler): void {
  compilers.set(backendName, compiler);
}

/** Compiles on/off (tests compare both routes; benchmarks time both). */
let enabled = true;
export function setFunctionCompilation(on: boolean): void {
  enabled = on;
}

/**
 * Runs `fn` op by op: for passes whose weights change before a compiled copy would pay
 * for itself (validation during training, where compiling a shape costs ~100 ms).
 */
export async function withoutFunctionCompilation<T>(fn: () => Promise<T>): Promise<T> {
  const was = enabled;
  enabled = false;
  try {
    return await fn();
  } finally {
    enabled = was;
  }
}

export interface CompiledFunctionsOptions {
  /** Variants kept, most recently used first (each holds a copy of the constants). */
  readonly maxVariants?: number;
  /** Compile a key on its n-th run (earlier runs go op by op): 1 compiles at once. */
  readonly compileOnRun?: number;
}

/**
 * Compiled variants of one function, one per key (the shapes that the recorded graph
 * fixes, such as the batch size). The constants are fixed for the cache's life: make a
 * new one when they change.
 */
export class CompiledFunctions {
  private readonly compiled = new Map<string, { backend: string; fn: CompiledFunction | null }>();
  private readonly runs = new Map<string, number>();
  private readonly maxVariants: number;
  private readonly compileOnRun: number;

  constructor(private readonly constants: Constants, options: CompiledFunctionsOptions = {}) {
    this.maxVariants = options.maxVariants ?? 16;
    this.compileOnRun = options.compileOnRun ?? 1;
  }

  run(key: string, fn: TensorFunction, inputs: readonly tf.Tensor[]): tf.Tensor[] {
    const backend = tf.getBackend();
    // A compiled run is one call that no gradient tape sees: under a tape, run as written.
    const compiler = enabled && tf.engine().state.gradientDepth === 0 ? compilers.get(backend) : undefined;
    if (!compiler) return fn(inputs);
    const entry = this.compiled.get(key);
    if (entry && entry.backend === backend) {
      // Most recently used last.
      this.compiled.delete(key);
      this.compiled.set(key, entry);
      return entry.fn ? entry.fn.run(inputs) : fn(inputs);
    }
    entry?.fn?.dispose();
    this.compiled.delete(key);
    const run = (this.runs.get(key) ?? 0) + 1;
    if (run < this.compileOnRun) {
      this.runs.set(key, run);
      return fn(inputs);
    }
    this.runs.delete(key);
    for (const [oldest, e] of this.compiled) {
      if (this.compiled.size < this.maxVariants) break;
      e.fn?.dispose();
      this.compiled.delete(oldest);
    }
    try {
      const { outputs, compiled } = compiler(fn, inputs, this.constants);
      this.compiled.set(key, { backend, fn: compiled });
      return outputs;
    } catch (e) {
      if (!(e instanceof NotCompilableError)) throw e;
      warnOnce(e.message);
      this.compiled.set(key, { backend, fn: null });
      return fn(inputs);
    }
  }

  /** How many variants are compiled (tests). */
  get size(): number {
    let n = 0;
    for (const e of this.compiled.values()) if (e.fn) n++;
    return n;
  }

  dispose(): void {
    for (const e of this.compiled.values()) e.fn?.dispose();
    this.compiled.clear();
  }
}
