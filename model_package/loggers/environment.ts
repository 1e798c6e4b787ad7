/**
 * What a reader needs to reproduce or explain a run: runtime, package versions,
 * tensor backend, git state, seed and machine. Collected once per run.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import os from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export interface Environment {
  node: string;
  platform: string;
  arch: string;
  hostname: string;
  cpus: { count: number; model: string };
  totalMemoryGB: number;
  backend: string | undefined;
  seed: number;
  git: { commit: string; dirty: boolean } | null;
  packages: Record<string, string | null>;
  argv: string[];
  createdAt: string;
}

/** Dependencies whose version changes results or speed. */
export const KEY_PACKAGES = [
  '@tensorflow/tfjs-core',
  '@tensorflow/tfjs-backend-cpu',
  '@tensorflow/tfjs-backend-wasm',
  '@tensorflow/tfjs-node',
  '@tensorflow/tfjs-node-gpu',
  'sharp',
  'zod',
  'yaml',
  '@wandb/sdk',
] as const;

const HERE = dirname(fileURLToPath(import.meta.url));
/** model_package/loggers -> project root. */
export const PROJECT_ROOT = join(HERE, '..', '..');

export function collectEnvironment(opts: { seed: number; backend?: string; projectRoot?: string }): Environment {
  const root = opts.projectRoot ?? PROJECT_ROOT;
  const cpus = os.cpus();
  const packages: Record<string, string | null> = { 'htr-ts': readVersion(join(root, 'package.json')) };
  for (const name of KEY_PACKAGES) packages[name] = readVersion(join(root, 'node_modules', name, 'package.json'));
  return {
    node: process.version,
    platform: process.platform,
    arch: process.arch,
    hostname: os.hostname(),
    cpus: { count: cpus.length, model: cpus[0]?.model.trim() ?? 'unknown' },
    totalMemoryGB: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
    backend: opts.backend,
    seed: opts.seed,
    git: gitState(root),
    packages,
    argv: process.argv.slice(2),
    createdAt: new Date().toISOString(),
  };
}

/** null when the package is not installed (optional backends). */
function readVersion(pkgJson: string): string | null {
  if (!existsSync(pkgJson)) return null;
  try {
    const v = (JSON.parse(readFileSync(pkgJson, 'utf8')) as { version?: unknown }).version;
    return typeof v === 'string' ? v : null;
  } catch {
    return null;
  }
}

/** Commit and whether tracked or untracked files differ from it; null outside a git checkout. */
export function gitState(cwd: string): { commit: string; dirty: boolean } | null {
  try {
    const run = (args: string[]) => execFileSync('git', args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], timeout: 10_000 }).trim();
    const commit = run(['rev-parse', 'HEAD']);
    const dirty = run(['status', '--porcelain', '--untracked-files=normal']).length > 0;
    return { commit, dirty };
  } catch {
    return null;
  }
}
