/**
 * Short learning trials for tuning the main job: each trial trains
 * configs/synthetic_lines.yaml with its own overrides on the real 30-minute schedule
 * (so the lr follows the same clock as in the full run), validates every
 * --val-every steps, and is stopped once validation at --steps has been logged.
 * Compares recipes by validation CER at equal steps (independent of machine load);
 * the test split is never used.
 *
 *   npx tsx bench/learning_trials.ts --steps 400 --out bench/results/learning_trials.json \
 *     --trial lr1e-3:--optimizer.lr=0.001,--lr_scheduler.warmup_steps=200 \
 *     --trial lr3e-3:--optimizer.lr=0.003,--lr_scheduler.warmup_steps=100
 *
 * A trial is NAME:OVERRIDE,OVERRIDE,... (NAME alone: the config as it is).
 * SyntheticLines is synthetic handwriting (fonts), not IAM.
 * bench:args --steps 100 --trial lr1e-3:--optimizer.lr=0.001,--lr_scheduler.warmup_steps=200 --trial config
 */
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import { benchHeader, emitResult } from './lib/emit.js';
import { readProgress, type ValPoint } from './lib/run_progress.js';
import { tsxArgv, unattendedRunFlags } from './lib/run_script.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const { values: a } = parseArgs({
  options: {
    steps: { type: 'string', default: '400' },
    'val-every': { type: 'string', default: '100' },
    accelerator: { type: 'string', default: 'native' },
    config: { type: 'string', default: 'configs/synthetic_lines.yaml' },
    trial: { type: 'string', multiple: true, default: ['config'] },
    out: { type: 'string' },
  },
});
const steps = Number(a.steps);
const say = (m: string) => process.stderr.write(`[trials] ${m}\n`);

/** Trains one trial until validation at `steps` is logged, then stops it (its own process group). */
async function runTrial(overrides: string[]): Promise<{ curve: ValPoint[]; seconds: number; runDir: string }> {
  const root = mkdtempSync(path.join(os.tmpdir(), 'htr-trial-'));
  const args = tsxArgv(ROOT, 'training/run_experiment.ts', [
    'fit', '--config', a.config as string,
    ...unattendedRunFlags(a.accelerator as string),
    `--trainer.val_check_interval=${a['val-every']}`, `--trainer.default_root_dir=${root}`, ...overrides,
  ]);
  const child = spawn(process.execPath, args, { cwd: ROOT, stdio: ['ignore', 'ignore', 'pipe'], detached: true });
  let log = '';
  child.stderr.on('data', (d: Buffer) => (log += d.toString()));
  const t0 = performance.now();
  let runDir = '';
  try {
    for (;;) {
      if (child.exitCode !== null) throw new Error(`trial ended before step ${steps} (exit ${child.exitCode}):\n${log.slice(-3000)}`);
      runDir ||= /\[run\] (\S+)/.exec(log)?.[1] ?? '';
      const curve = runDir ? readProgress(runDir).valCurve : [];
      if (curve.some((p) => p.step >= steps)) return { curve, seconds: Math.round((performance.now() - t0) / 1000), runDir };
      await new Promise((r) => setTimeout(r, 2000));
    }
  } finally {
    if (child.exitCode === null) process.kill(-(child.pid as number), 'SIGKILL');
  }
}

const trials: Array<{ name: string; overrides: string[]; val_curve: ValPoint[]; wall_seconds: number }> = [];
for (const spec of a.trial as string[]) {
  const colon = spec.indexOf(':');
  const name = colon < 0 ? spec : spec.slice(0, colon);
  const overrides = colon < 0 ? [] : spec.slice(colon + 1).split(',').filter(Boolean);
  say(`${name}: ${overrides.join(' ') || '(config as is)'} until step ${steps}`);
  const { curve, seconds } = await runTrial(overrides);
  say(`${name}: ${curve.map((p) => `${p.step}:${p.val_cer.toFixed(3)}`).join(' ')} (${seconds} s)`);
  trials.push({ name, overrides, val_curve: curve, wall_seconds: seconds });
}

emitResult({
  ...benchHeader('learning_trials'),
  config: a.config,
  data: 'SyntheticLines validation split (4 val fonts; synthetic handwriting, not IAM)',
  accelerator: a.accelerator,
  stop_after_step: steps,
  trials,
}, a.out);
