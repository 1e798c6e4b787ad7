/**
 * What a first-use build says. Each situation is one line: the user reads why, what it
 * costs and how to skip or retry, not a wall of build output (that goes to the log).
 */
import path from 'node:path';
import type { LockHolder } from './build_lock.js';
import type { FailureMarker, FailureReason } from './failure_marker.js';

/** Measured: 48 s on a busy 2-core machine with the wheel on a local pip index (docs/backends.md). */
export const BUILD_ESTIMATE = 'about a minute, plus downloading a 270 MB TensorFlow wheel';

const SKIP = 'To skip: HTR_NATIVE_BUILD=0 (never build) or --trainer.accelerator=wasm (this run).';
const RETRY = 'To retry: HTR_NATIVE_BUILD=1 on the next run, or npm run setup:native.';

const WHY: Readonly<Record<FailureReason, string>> = {
  'missing-tools': 'missing prerequisites',
  'wheel-unavailable': 'the TensorFlow wheel could not be fetched',
  'build-failed': 'the build failed',
};

/** `p` relative to the working directory when it is inside it (shorter, and copy-pastable). */
export function shown(p: string): string {
  const rel = path.relative(process.cwd(), p);
  return rel && !rel.startsWith('..') && !path.isAbsolute(rel) ? rel : p;
}

export function seconds(total: number): string {
  const m = Math.floor(total / 60);
  const s = Math.round(total % 60);
  return m ? `${m}m${String(s).padStart(2, '0')}s` : `${s}s`;
}

export function announce(logFile: string): string {
  return (
    `[native] Building the native TensorFlow backend, once for this machine (${BUILD_ESTIMATE}): training on it is ` +
    `4-6x faster than on wasm, and this run continues on it. Output: ${shown(logFile)}. ${SKIP}`
  );
}

export function step(line: string, elapsed: number): string {
  return `[native] ${seconds(elapsed)} ${line}`;
}

export function heartbeat(line: string, elapsed: number, logFile: string): string {
  return `[native] ${seconds(elapsed)} still building (${line}; output: ${shown(logFile)})`;
}

export function built(elapsed: number): string {
  return `[native] Built in ${seconds(elapsed)}; this run continues on native.`;
}

export function waiting(holder: LockHolder | null, logFile: string): string {
  const who = holder ? `process ${holder.pid}` : 'another process';
  return `[native] ${who} is building the native backend; waiting for it (output: ${shown(logFile)}). ${SKIP}`;
}

export function stillWaiting(elapsed: number): string {
  return `[native] ${seconds(elapsed)} still waiting for the other native build`;
}

export function builtByOther(): string {
  return '[native] The other process finished the native build; this run uses it.';
}

export function missingTools(missing: string): string {
  return `[native] Cannot build the native backend (missing: ${missing}); training on wasm. Install them and the next training run builds it; HTR_NATIVE_BUILD=0 stops this check.`;
}

export function failed(reason: FailureReason, detail: string, logFile: string): string {
  return `[native] Could not build the native backend (${WHY[reason]}: ${detail}); training on wasm. Log: ${shown(logFile)}. Not retried automatically. ${RETRY}`;
}

export function failedBefore(marker: FailureMarker): string {
  const when = marker.at.slice(0, 10) || 'an earlier run';
  return `[native] Not building the native backend: it failed on ${when} (${WHY[marker.reason]}: ${marker.detail}; log: ${shown(marker.log)}); training on wasm. ${RETRY}`;
}
