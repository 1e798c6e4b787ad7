/**
 * Per-kernel timing for bench/profile_step.ts. Every kernel registered for a backend
 * is re-registered with a wrapper that times it, so nested kernels (a kernel built
 * from other kernels, a stock kernel that calls ops) are told apart: each invocation
 * gets its self time (its own time minus that of the kernels it ran), and only
 * invocations that ran no other kernel count as executed kernels. tf.profile cannot
 * do this: it times outer and inner kernels alike and so counts nested work twice.
 *
 * Kernels are synchronous on native, wasm and cpu, so wall time around the kernel
 * function is its compute time (plus the binding call for native).
 */
import * as tf from '@tensorflow/tfjs-core';
import type { KernelConfig, KernelFunc } from '@tensorflow/tfjs-core';
import { performance } from 'node:perf_hooks';
import { kernelFlops } from './kernel_flops.js';

export interface KernelRecord {
  readonly name: string;
  /** Time inside this kernel, minus nested kernels, ms. */
  readonly selfMs: number;
  /** Ran no other kernel: one real execution on the backend. */
  readonly leaf: boolean;
  /** 0 for kernels the model code asked for, >0 for nested ones. */
  readonly depth: number;
  /** Phase label active when the kernel ran (see `phase`). */
  readonly phase: string;
  /** Input shapes, e.g. "16x28x256x32,3x3x32x32". */
  readonly shapes: string;
  /** Time inside this kernel including nested kernels, ms. */
  readonly totalMs: number;
  /** Floating-point operations of a convolution or matrix product (kernel_flops.ts), else 0. */
  readonly flops: number;
}

interface Frame {
  start: number;
  childMs: number;
  nested: boolean;
}

let recording: KernelRecord[] | null = null;
let currentPhase = '';
const stack: Frame[] = [];
const wrapped = new Set<string>();

/** Wraps every kernel of `backendName` (once; later calls are no-ops). Call after the backend is initialised. */
export function instrumentBackend(backendName: string): void {
  if (wrapped.has(backendName)) return;
  wrapped.add(backendName);
  for (const config of tf.getKernelsForBackend(backendName)) {
    const inner = config.kernelFunc;
    const kernelFunc = ((args: Parameters<KernelFunc>[0]) => {
      if (!recording) return inner(args);
      const parent = stack[stack.length - 1];
      if (parent) parent.nested = true;
      const frame: Frame = { start: performance.now(), childMs: 0, nested: false };
      stack.push(frame);
      let output: ReturnType<KernelFunc> | undefined;
      try {
        output = inner(args);
        return output;
      } finally {
        stack.pop();
        const total = performance.now() - frame.start;
        if (parent) parent.childMs += total;
        const first = Array.isArray(output) ? output[0] : output;
        recording?.push({
          name: config.kernelName, selfMs: total - frame.childMs, totalMs: total, leaf: !frame.nested, depth: stack.length, phase: currentPhase,
          shapes: Object.values(args.inputs).map((t) => (t ? t.shape.join('x') : '-')).join(','),
          flops: kernelFlops(config.kernelName, args.inputs, args.attrs ?? {}, first),
        });
      }
    }) as KernelFunc;
    tf.unregisterKernel(config.kernelName, backendName);
    // The setupFunc already ran when the backend was initialised; the stock kernelFunc keeps what it bound.
    const next: KernelConfig = { ...config, kernelFunc };
    delete (next as { setupFunc?: unknown }).setupFunc;
    tf.registerKernel(next);
  }
}

/** Records the kernels `fn` runs, labelled by `phase(...)` calls inside it, with its wall time. */
export function recordKernels<T>(fn: () => T): { result: T; wallMs: number; kernels: KernelRecord[] } {
  const kernels: KernelRecord[] = [];
  recording = kernels;
  currentPhase = '';
  const t0 = performance.now();
  try {
    const result = fn();
    return { result, wallMs: performance.now() - t0, kernels };
  } finally {
    recording = null;
  }
}

/** Labels the kernels that run from now on (inside recordKernels). */
export function phase(name: string): void {
  currentPhase = name;
}

export interface KernelSummary {
  /** Kernel executions (leaves). */
  readonly kernels: number;
  /** Kernel calls made by the model code (depth 0), composite ones included. */
  readonly top_level_calls: number;
  readonly kernel_ms: number;
  /** Self time per kernel name; calls counts every invocation, nested or not. */
  readonly by_kernel: Array<{ name: string; calls: number; ms: number }>;
  /**
   * Arithmetic of the model's own calls (depth 0: a kernel's nested kernels are its
   * implementation, not more work): operations, and the time of the calls that did them
   * (nested kernels included).
   */
  readonly gflop: number;
  readonly arithmetic_ms: number;
}

/** Totals and per-kernel-name self times of `records` (optionally one phase only). */
export function summarize(records: readonly KernelRecord[], onlyPhase?: string): KernelSummary {
  const rs = onlyPhase === undefined ? records : records.filter((r) => r.phase === onlyPhase);
  const byName = new Map<string, { calls: number; ms: number }>();
  let ms = 0;
  for (const r of rs) {
    ms += r.selfMs;
    const e = byName.get(r.name) ?? { calls: 0, ms: 0 };
    e.calls += 1;
    e.ms += r.selfMs;
    byName.set(r.name, e);
  }
  const arithmetic = rs.filter((r) => r.depth === 0 && r.flops > 0);
  return {
    kernels: rs.filter((r) => r.leaf).length,
    top_level_calls: rs.filter((r) => r.depth === 0).length,
    kernel_ms: ms,
    gflop: arithmetic.reduce((sum, r) => sum + r.flops, 0) / 1e9,
    arithmetic_ms: arithmetic.reduce((sum, r) => sum + r.totalMs, 0),
    by_kernel: [...byName.entries()].map(([name, e]) => ({ name, ...e })).sort((p, q) => q.ms - p.ms),
  };
}
