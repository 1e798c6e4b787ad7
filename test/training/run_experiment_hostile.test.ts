/**
 * Hostile checkpoints, config files and values through the CLI (issue cases 10-13,
 * 15): real files, exit codes, no stack traces, nothing written outside the run
 * directories the command line names.
 */
import { existsSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { afterEach, describe, expect, it } from 'vitest';
import { runExperiment } from '../helpers/run_experiment.js';
import { tempDir, writeYaml } from '../model_package/config/fixtures.js';

const SMOKE = ['--config', resolve('configs/smoke.yaml'), '--trainer.accelerator=cpu', '--logger.quiet=true', '--trainer.limit_train_batches=2'];
const cwd = process.cwd();
afterEach(() => process.chdir(cwd));

function noStack(text: string): void {
  expect(text).not.toMatch(/\n\s+at .+:\d+:\d+/);
}

/** A fitted checkpoint whose stored config names `root` and run id `orig`. */
async function fitted(root: string): Promise<string> {
  const fit = await runExperiment(['fit', ...SMOKE, `--trainer.default_root_dir=${root}`, '--logger.run_id=orig']);
  expect(fit.code, fit.err).toBe(0);
  return join(root, 'smoke', 'orig', 'checkpoints', 'last.ckpt');
}

describe('run_experiment with hostile checkpoints and configs', () => {
  it('10 + 11. test on a checkpoint writes a new run where the command line says; the original run is untouched', async () => {
    const victim = tempDir();
    const last = await fitted(victim);
    const runDir = join(victim, 'smoke', 'orig');
    const before = { run: readFileSync(join(runDir, 'run.json'), 'utf8'), config: readFileSync(join(runDir, 'config.yaml'), 'utf8') };

    // No --trainer.default_root_dir: the default (./runs) applies, not the checkpoint's.
    const work = tempDir();
    process.chdir(work);
    const test = await runExperiment(['test', '--ckpt_path', last, '--trainer.accelerator=cpu', '--logger.quiet=true']);
    expect(test.code, test.err).toBe(0);
    const [evalRun] = readdirSync(join(work, 'runs', 'smoke'));
    expect(evalRun).not.toBe('orig');
    expect(existsSync(join(work, 'runs', 'smoke', evalRun as string, 'run.json'))).toBe(true);
    expect(readdirSync(join(victim, 'smoke'))).toEqual(['orig']);
    expect(readFileSync(join(runDir, 'run.json'), 'utf8')).toBe(before.run);
    expect(readFileSync(join(runDir, 'config.yaml'), 'utf8')).toBe(before.config);

    // Asking evaluation to write into the existing run is refused.
    const into = await runExperiment(['test', '--ckpt_path', last, '--trainer.accelerator=cpu', `--trainer.default_root_dir=${victim}`, '--logger.run_id=orig']);
    expect(into.code).toBe(2);
    expect(into.err).toMatch(/HTR_ERR_CONFIG_INVALID.*already holds a run/);
    noStack(into.err);
    expect(readFileSync(join(runDir, 'run.json'), 'utf8')).toBe(before.run);
  }, 300_000);

  it('11. a failed resume into the same run id leaves that run record as it was', async () => {
    const root = tempDir();
    const last = await fitted(root);
    const runDir = join(root, 'smoke', 'orig');
    const before = { run: readFileSync(join(runDir, 'run.json'), 'utf8'), config: readFileSync(join(runDir, 'config.yaml'), 'utf8') };
    // A model of another shape cannot take these weights: the resume fails before training.
    const resume = await runExperiment(['fit', ...SMOKE, `--trainer.default_root_dir=${root}`, '--logger.run_id=orig', '--model.tf_dim=32', '--trainer.max_epochs=2', '--ckpt_path', last]);
    expect(resume.code).toBe(1);
    expect(resume.err).toMatch(/HTR_ERR_/);
    noStack(resume.err);
    expect(readFileSync(join(runDir, 'run.json'), 'utf8')).toBe(before.run);
    expect(readFileSync(join(runDir, 'config.yaml'), 'utf8')).toBe(before.config);
  }, 300_000);

  it('12. temp files left by a killed checkpoint write are removed on resume', async () => {
    const root = tempDir();
    const last = await fitted(root);
    const ckptDir = join(root, 'smoke', 'orig', 'checkpoints');
    // What kill -9 between write and rename leaves: pid 2^22 + 1 is above Linux's pid_max default.
    const stale = join(ckptDir, `last.ckpt.${2 ** 22 + 1}.0badc0de.tmp`);
    writeFileSync(stale, '');
    const resume = await runExperiment(['fit', ...SMOKE, `--trainer.default_root_dir=${root}`, '--trainer.max_epochs=2', '--ckpt_path', last]);
    expect(resume.code, resume.err).toBe(0);
    expect(existsSync(stale)).toBe(false);
    expect(resume.err).toContain('stale temporary file');
  }, 300_000);

  it('13. a config that is a device or too large is refused at once', async () => {
    const dir = tempDir();
    const zero = join(dir, 'zero.yaml');
    symlinkSync('/dev/zero', zero);
    const dev = await runExperiment(['fit', '--config', zero, '--print_config']);
    expect(dev.code).toBe(2);
    expect(dev.err).toMatch(/HTR_ERR_CONFIG_PARSE.*zero\.yaml.*not a regular file/);
    const big = writeYaml(dir, 'big.yaml', `# ${'x'.repeat(2 * 1024 * 1024)}\ntrainer:\n  max_epochs: 1\n`);
    const large = await runExperiment(['fit', '--config', big, '--print_config']);
    expect(large.code).toBe(2);
    expect(large.err).toMatch(/HTR_ERR_CONFIG_PARSE.*over the 1048576-byte limit/);
    noStack(dev.err + large.err);
  });

  it('15. .nan and .inf are named as such; --print_config refuses an experiment name fit would refuse', async () => {
    const nan = await runExperiment(['fit', '--data=BitmapLines', '--optimizer.lr=.nan', '--print_config']);
    expect(nan.code).toBe(2);
    expect(nan.err).toContain('got .nan (number)');
    const inf = await runExperiment(['fit', '--data=BitmapLines', '--trainer.gradient_clip_val=.inf', '--print_config']);
    expect(inf.err).not.toContain('null');
    const bad = await runExperiment(['fit', '--data=BitmapLines', '--logger.experiment=../elsewhere', '--print_config']);
    expect(bad.code).toBe(2);
    expect(bad.err).toMatch(/logger\.experiment.*plain directory name/);
    noStack(nan.err + bad.err);
  });

  it('15. no "install the node backend" banner on a CLI run', async () => {
    // Re-arm the banner that tfjs' cpu backend prints on its first tensor.
    (tf.findBackend('cpu') as unknown as { firstUse: boolean }).firstUse = true;
    const warnings: string[] = [];
    const warn = console.warn;
    console.warn = (...args: unknown[]) => void warnings.push(args.join(' '));
    try {
      const root = tempDir();
      const run = await runExperiment(['fit', ...SMOKE, `--trainer.default_root_dir=${root}`, '--trainer.fast_dev_run=true']);
      expect(run.code, run.err).toBe(0);
    } finally {
      console.warn = warn;
    }
    expect(warnings.join('\n')).not.toContain('node backend');
  }, 300_000);
});
