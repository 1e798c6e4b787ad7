/**
 * End to end through the CLI: fit on the smoke config, evaluate the checkpoint with
 * test/validate, resume fit from it (continuing at its step, ending with an uninterrupted
 * run's weights); plus one spawned run of the `npx` entry point.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import YAML from 'yaml';
import { describe, expect, it } from 'vitest';
import { readCheckpoint } from '../../model_package/checkpoint/checkpoint.js';
import type { RawTensor } from '../../model_package/checkpoint/safetensors.js';
import { runExperiment } from '../helpers/run_experiment.js';
import { tempDir } from '../model_package/config/fixtures.js';

const SMOKE = ['--config', 'configs/smoke.yaml', '--trainer.accelerator=cpu', '--trainer.enable_progress_bar=false', '--logger.quiet=true'];

/** Largest absolute difference between two checkpoints' tensors (same names required). */
function maxRawDiff(a: ReadonlyMap<string, RawTensor>, b: ReadonlyMap<string, RawTensor>): number {
  expect([...b.keys()].sort()).toEqual([...a.keys()].sort());
  expect(a.size).toBeGreaterThan(0);
  let max = 0;
  for (const [name, x] of a) {
    const y = b.get(name)!.data;
    for (let i = 0; i < x.data.length; i++) max = Math.max(max, Math.abs((x.data[i] as number) - (y[i] as number)));
  }
  return max;
}

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

    // Resume: epoch 0 (steps 1-2) is in last.ckpt; fit --ckpt_path with max_epochs=2 must
    // run epoch 1 only (steps 3-4) from the saved weights, Adam moments and position.
    const saved1 = await readCheckpoint(last);
    expect(saved1.state).toMatchObject({ epoch: 0, globalStep: 2, resume: { epoch: 1, batch: 0 }, optimizer: { step: 2 } });
    const twoEpochs = [...common, '--trainer.max_epochs=2', '--trainer.log_every_n_steps=1'];
    const resume = await runExperiment(['fit', ...twoEpochs, '--logger.run_id=resumed', '--ckpt_path', last]);
    expect(resume.code, resume.err).toBe(0);
    const resumedDir = join(root, 'smoke', 'resumed');
    const logged = readFileSync(join(resumedDir, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, number>);
    // The model summary at fit start carries the restored step (not 0); training goes on at 3.
    expect(logged[0]).toMatchObject({ step: 2, 'model/num_parameters': expect.any(Number) });
    const trainRows = logged.filter((m) => m['train/loss'] !== undefined);
    expect(trainRows.map((m) => [m.step, m.epoch])).toEqual([[3, 1], [4, 1]]);
    const resumed = await readCheckpoint(join(resumedDir, 'checkpoints', 'last.ckpt'));
    expect(resumed.state).toMatchObject({ epoch: 1, globalStep: 4, resume: { epoch: 2, batch: 0 }, optimizer: { step: 4 } });

    // ... and end where an uninterrupted 2-epoch run ends: same weights, same Adam moments.
    const straight = await runExperiment(['fit', ...twoEpochs, '--logger.run_id=straight']);
    expect(straight.code, straight.err).toBe(0);
    const reference = await readCheckpoint(join(root, 'smoke', 'straight', 'checkpoints', 'last.ckpt'));
    expect(reference.state).toMatchObject({ globalStep: 4, optimizer: { step: 4 } });
    expect(maxRawDiff(resumed.model, reference.model)).toBeLessThan(1e-5);
    expect(maxRawDiff(resumed.optimizer, reference.optimizer)).toBeLessThan(1e-5);
    expect(maxRawDiff(resumed.model, saved1.model)).toBeGreaterThan(1e-4); // epoch 1 did train
    expect(metricLines(resume.out)['train/loss']).toBeCloseTo(metricLines(straight.out)['train/loss'] as number, 5);
  }, 300_000);

  it('runs `npx run_experiment` through bin/run_experiment.mjs (fast_dev_run)', () => {
    const root = tempDir();
    const r = spawnSync(process.execPath, ['bin/run_experiment.mjs', 'fit', ...SMOKE, '--trainer.fast_dev_run=true', `--trainer.default_root_dir=${root}`], { encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^val\/cer\t/m);
  }, 300_000);
});
