/**
 * Runs every bench script in bench/ (one process each, one after another so they do not
 * share the cores) and writes each one's JSON to bench/results/<name>.json.
 *
 *   npm run bench                    # all
 *   npm run bench -- train_step      # only scripts whose name contains "train_step"
 *
 * A script may declare its arguments in a `bench:args ...` line of its header comment.
 */
import { mkdirSync, readdirSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { runTsx } from './lib/run_script.js';
import { writeFileAtomicSync } from '../model_package/core/atomic_write.js';

const BENCH_DIR = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.dirname(BENCH_DIR);
const RESULTS = path.join(BENCH_DIR, 'results');

export function benchScripts(dir = BENCH_DIR): string[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.ts') && f !== 'run_all.ts')
    .sort();
}

export function declaredArgs(source: string): string[] {
  const m = /bench:args[ \t]+(.+)/.exec(source.split('\n').slice(0, 40).join('\n'));
  return m ? m[1]!.trim().split(/\s+/) : [];
}

async function main(): Promise<void> {
  const filters = process.argv.slice(2);
  const scripts = benchScripts().filter((f) => filters.length === 0 || filters.some((q) => f.includes(q)));
  mkdirSync(RESULTS, { recursive: true });
  let failed = 0;
  for (const file of scripts) {
    const args = declaredArgs(readFileSync(path.join(BENCH_DIR, file), 'utf8'));
    process.stderr.write(`[bench] ${file} ${args.join(' ')}\n`);
    const run = await runTsx(ROOT, path.join('bench', file), args);
    const name = file.replace(/\.ts$/, '');
    const record = {
      script: `bench/${file}`,
      args,
      date: new Date().toISOString(),
      machine: { cpus: os.cpus().length, model: os.cpus()[0]?.model ?? 'unknown', mem_gb: Math.round(os.totalmem() / 2 ** 30) },
      exit_code: run.code,
      seconds: +run.seconds.toFixed(1),
      result: run.json,
      ...(run.json === null ? { stdout: run.stdout.slice(-4000) } : {}),
      ...(run.code !== 0 ? { stderr: run.stderr.slice(-4000) } : {}),
    };
    const out = path.join(RESULTS, `${name}.json`);
    writeFileAtomicSync(out, JSON.stringify(record, null, 1) + '\n');
    process.stderr.write(`[bench] ${file}: exit ${run.code} in ${record.seconds}s -> ${path.relative(ROOT, out)}\n`);
    if (run.code !== 0) failed++;
  }
  process.exitCode = failed ? 1 : 0;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) await main();
