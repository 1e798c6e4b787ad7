/**
 * Runs scripts/setup_native.sh (or a stand-in a test passes): `--check` for the
 * prerequisites, then the build with its output in a log file and its "step k/n" lines
 * reported as they come, plus a heartbeat while a step is long (unzipping, compiling).
 */
import { spawn } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { createInterface } from 'node:readline';
import type { FailureReason } from './failure_marker.js';

export interface ScriptResult {
  /** Exit code; null when killed by a signal or when bash could not start. */
  readonly code: number | null;
  /** Every output line (stdout and stderr). */
  readonly lines: readonly string[];
  readonly error?: string;
}

/** Runs `bash script ...args`; `onLine` sees each output line. No shell, no timeout (a build takes minutes). */
export function runScript(script: string, args: readonly string[], env: NodeJS.ProcessEnv, onLine?: (line: string) => void): Promise<ScriptResult> {
  return new Promise((resolve) => {
    const lines: string[] = [];
    const child = spawn('bash', [script, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    for (const stream of [child.stdout, child.stderr]) {
      createInterface({ input: stream, crlfDelay: Infinity }).on('line', (line) => {
        lines.push(line);
        onLine?.(line);
      });
    }
    child.on('error', (err) => resolve({ code: null, lines, error: err.message }));
    // 'close' comes after both streams ended, so every line has been seen.
    child.on('close', (code) => resolve({ code, lines }));
  });
}

export type CheckResult = { readonly ok: true } | { readonly ok: false; readonly missing: string };

/** `setup_native.sh --check`: exit 0, or 3 with "missing: g++, make" (tens of milliseconds). */
export async function checkPrerequisites(script: string, env: NodeJS.ProcessEnv): Promise<CheckResult> {
  const result = await runScript(script, ['--check'], env);
  if (result.code === 0) return { ok: true };
  if (result.error) return { ok: false, missing: `bash (${result.error})` };
  const line = result.lines.find((l) => l.includes('missing:'));
  return { ok: false, missing: line ? line.slice(line.indexOf('missing:') + 'missing:'.length).trim() : `the check exited with ${result.code}` };
}

export type BuildResult =
  | { readonly ok: true; readonly seconds: number }
  | { readonly ok: false; readonly seconds: number; readonly reason: FailureReason; readonly detail: string };

export interface BuildOptions {
  readonly env: NodeJS.ProcessEnv;
  readonly logFile: string;
  /** A "step k/n: ..." line of the script, with the seconds since the start. */
  readonly onStep: (step: string, seconds: number) => void;
  /** No step line for `heartbeatMs`: still alive, at `step`. */
  readonly onHeartbeat: (step: string, seconds: number) => void;
  readonly heartbeatMs: number;
}

const STEP = /^\[setup:native\] (step \d+\/\d+: .*)$/;
const FAILED = /^\[setup:native\] FAILED at: (.*)$/;

/** The script's exit codes (see its header) as failure reasons. */
const REASON_BY_CODE: Readonly<Record<number, FailureReason>> = { 3: 'missing-tools', 4: 'wheel-unavailable' };

export async function runBuild(script: string, options: BuildOptions): Promise<BuildResult> {
  const start = Date.now();
  const elapsed = (): number => Math.round((Date.now() - start) / 1000);
  const log = createWriteStream(options.logFile, { flags: 'w' });
  let step = 'starting';
  let lastLine = Date.now();
  const timer = setInterval(() => {
    if (Date.now() - lastLine < options.heartbeatMs) return;
    lastLine = Date.now();
    options.onHeartbeat(step, elapsed());
  }, Math.min(options.heartbeatMs, 5000));
  let result: ScriptResult;
  try {
    result = await runScript(script, [], options.env, (line) => {
      log.write(`${line}\n`);
      const m = STEP.exec(line);
      if (!m) return;
      step = m[1] as string;
      lastLine = Date.now();
      options.onStep(step, elapsed());
    });
  } finally {
    clearInterval(timer);
    await new Promise<void>((resolve) => log.end(resolve));
  }
  const seconds = elapsed();
  if (result.code === 0) return { ok: true, seconds };
  const failed = [...result.lines].reverse().map((l) => FAILED.exec(l)?.[1]).find((d) => d !== undefined);
  const detail = result.error ? `bash could not start: ${result.error}` : (failed ?? `exit code ${result.code ?? 'none (killed)'}`);
  return { ok: false, seconds, reason: (result.code !== null && REASON_BY_CODE[result.code]) || 'build-failed', detail };
}
