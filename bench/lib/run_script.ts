/** Runs one bench script with tsx and returns its exit code, stdout and the JSON it printed. */
import { spawn } from 'node:child_process';
import path from 'node:path';

export interface ScriptRun {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
  readonly seconds: number;
  /** stdout parsed as one JSON document, else its last line that parses, else null. */
  readonly json: unknown;
}

export function parseJsonOutput(stdout: string): unknown {
  const text = stdout.trim();
  try {
    return JSON.parse(text);
  } catch {
    const lines = text.split('\n').reverse();
    for (const line of lines) {
      try {
        return JSON.parse(line);
      } catch {
        // not this line
      }
    }
    return null;
  }
}

export function runCommand(cmd: string, args: string[], cwd: string, env?: NodeJS.ProcessEnv): Promise<ScriptRun> {
  return new Promise((resolve) => {
    const t0 = performance.now();
    const child = spawn(cmd, args, { cwd, env: env ? { ...process.env, ...env } : process.env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('close', (code) =>
      resolve({ code: code ?? 1, stdout, stderr, seconds: (performance.now() - t0) / 1000, json: parseJsonOutput(stdout) }),
    );
  });
}

/** Node's arguments for `npx tsx <file> ...args` (for a child this process runs itself). */
export function tsxArgv(root: string, file: string, args: string[]): string[] {
  return [path.join(root, 'node_modules', 'tsx', 'dist', 'cli.mjs'), file, ...args];
}

/** `npx tsx bench/<file> ...args` from the repository root; `env` adds to this process's environment. */
export function runTsx(root: string, file: string, args: string[], env?: NodeJS.ProcessEnv): Promise<ScriptRun> {
  return runCommand(process.execPath, tsxArgv(root, file, args), root, env);
}

/** run_experiment flags of an unattended run on `accelerator`: no live progress line, no per-step log lines. */
export function unattendedRunFlags(accelerator: string): string[] {
  return [`--trainer.accelerator=${accelerator}`, '--trainer.enable_progress_bar=false', '--logger.quiet=true'];
}
