/**
 * End to end through the CLI: fit on the smoke config, evaluate the checkpoint with
 * test/validate, resume fit from it; plus one spawned run of the `npx` entry point.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import YAML from 'yaml';
import { describe, expect, it } from 'vitest';
import { runExperiment } from '../helpers/run_experiment.js';
import { tempDir } from '../model_package/config/fixtures.js';

const SMOKE = ['--config', 'configs/smoke.yaml', '--trainer.accelerator=cpu', '--trainer.enable_progress_bar=false', '--logger.quiet=true'];

function metricLines(out: string): Record<string, number> {
  return Object.fromEntries(out.trim().split('\n').map((l) => l.split('\t')).filter((p) => p.length === 2).map(([k, v]) => [k, Number(v)]));
}

describe('run_experiment fit / test / validate', () => {
  it('fits, saves the resolved config with the run, evaluates and resumes from the checkpoint', async () => {
    const root = tempDir();
    const common = [...SMOKE, `--trainer.default_root_dir=${root}`, '--trainer.limit_train_batches=2'];
    const fit = await runExperiment(['fit', ...common, '--trainer.max_epochs=1']);
    expect(fit.code, fit.err).toBe(0);
    const fitMetrics = metricLines(fit.out);
    expect(Number.isFinite(fitMetrics['val/cer'])).toBe(true);
    expect(fitMetrics['train/loss']).toBeGreaterThan(0);

    const [runId] = readdirSync(join(root, 'smoke'));
    const runDir = join(root, 'smoke', runId as string);
    const saved = YAML.parse(readFileSync(join(runDir, 'config.yaml'), 'utf8')) as Record<string, Record<string, unknown>>;
    expect(saved.data?.name).toBe('BitmapLines');
    expect(saved.model?.max_seq_length).toBe(6); // linked: smoke max_length 4 + <S> + <E>
    const last = join(runDir, 'checkpoints', 'last.ckpt');
    expect(existsSync(last)).toBe(true);

    const before = tf.memory().numTensors;
    const test = await runExperiment(['test', ...common, '--ckpt_path', last]);
    expect(test.code, test.err).toBe(0);
    const testMetrics = metricLines(test.out);
    expect(Object.keys(testMetrics).sort()).toEqual(['test/cer', 'test/loss', 'test/wer']);
    expect(tf.memory().numTensors).toBe(before);

    // Without --config the checkpoint's stored config is used (same data, same model).
    const fromCkpt = await runExperiment(['test', '--ckpt_path', last, '--trainer.accelerator=cpu', `--trainer.default_root_dir=${root}`]);
    expect(fromCkpt.code, fromCkpt.err).toBe(0);
    expect(metricLines(fromCkpt.out)).toEqual(testMetrics);

    const val = await runExperiment(['validate', ...common, '--ckpt_path', last]);
    expect(val.code, val.err).toBe(0);
    // Same weights, same validation split: the metric fit reported at its last validation.
    expect(metricLines(val.out)['val/cer']).toBeCloseTo(fitMetrics['val/cer'] as number, 6);

    const resume = await runExperiment(['fit', ...common, '--trainer.max_epochs=2', '--ckpt_path', last]);
    expect(resume.code, resume.err).toBe(0);
    expect(metricLines(resume.out)['train/loss']).toBeGreaterThan(0);
  }, 300_000);

  it('runs `npx run_experiment` through bin/run_experiment.mjs (fast_dev_run)', () => {
    const root = tempDir();
    const r = spawnSync(process.execPath, ['bin/run_experiment.mjs', 'fit', ...SMOKE, '--trainer.fast_dev_run=true', `--trainer.default_root_dir=${root}`], { encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^val\/cer\t/m);
  }, 300_000);
});
