/** End to end: a real Trainer run with createLoggers leaves a complete run directory. */
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { TableRecord } from '../../../model_package/loggers/types.js';
import { RUN_FILES } from '../../../model_package/loggers/run_dir.js';
import { corpusCer } from '../../helpers/corpus_cer.js';
import { useTrainingBackend } from '../../helpers/tf.js';
import { tinyTrackedRun } from './tiny_tracked_run.js';

beforeAll(useTrainingBackend);

const tables = (dir: string) => readFileSync(join(dir, RUN_FILES.tables), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as TableRecord);

describe('tracked training run', () => {
  it('writes config, metrics, checkpoints, media, environment and a report with curves and tables', async () => {
    const { runDir, numParameters, progress } = await tinyTrackedRun({ runId: 'e2e', trainer: { max_epochs: 2, limit_train_batches: 2, limit_val_batches: 1, limit_test_batches: 1 }, test: true });
    const metrics = readFileSync(join(runDir, RUN_FILES.metrics), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, number>);
    const keys = new Set(metrics.flatMap((m) => Object.keys(m)));
    for (const k of ['train/loss', 'val/loss', 'val/cer', 'val/wer', 'lr-Adam', 'epoch', 'test/cer', 'model/num_parameters']) expect(keys, k).toContain(k);
    expect(metrics.filter((m) => m['train/loss'] !== undefined && m['train/loss_epoch'] === undefined)).toHaveLength(4);
    expect(readdirSync(join(runDir, RUN_FILES.checkpoints))).toContain('last.ckpt');
    const t = tables(runDir);
    expect(t.map((x) => x.name)).toEqual(['val/predictions', 'val/predictions', 'test/predictions']);
    expect(t[0]?.rows.length).toBeGreaterThan(0);
    for (const r of t.flatMap((x) => x.rows)) expect(existsSync(join(runDir, r.image as string))).toBe(true);
    const info = JSON.parse(readFileSync(join(runDir, RUN_FILES.run), 'utf8'));
    expect(info).toMatchObject({ status: 'success', stepsPerEpoch: 2, totalSteps: 4, model: { 'model/num_parameters': numParameters } });
    // Every CER the run reports is the one its logged predictions give: a limit of 1 means
    // the whole split, 8 lines each for val and test, and table_rows 8 logs them all.
    const testRows = t.find((x) => x.name === 'test/predictions')!.rows;
    expect(testRows).toHaveLength(8);
    expect(info.test['test/cer']).toBe(corpusCer(testRows));
    const valTables = t.filter((x) => x.name === 'val/predictions');
    expect(valTables.map((x) => x.rows.length)).toEqual([8, 8]);
    const valCer = metrics.filter((m) => m['val/cer'] !== undefined).map((m) => m['val/cer']);
    expect(valCer).toEqual(valTables.map((x) => corpusCer(x.rows)));
    expect(JSON.parse(readFileSync(join(runDir, RUN_FILES.environment), 'utf8')).backend).toBe('cpu');
    const html = readFileSync(join(runDir, RUN_FILES.report), 'utf8');
    expect(html).toContain('data-label="train/loss"');
    expect(html).toContain('data-label="val/cer"');
    expect(html).toContain('data-label="lr-Adam"');
    expect(html).toContain('Test predictions');
    expect(html).toContain('test CER');
    // Progress: plain lines (not a TTY) with the step count and a validation summary.
    expect(progress.join('')).toMatch(/epoch \d\/2 · step \d\/4/);
    expect(progress.join(''), progress.join('')).toContain('validate 2/2 · epoch 0 · step 2');
    expect(progress.join('')).toMatch(/fit success after 4 steps in \d+:\d\d/);
  });

  it('with overfit_batches shows the exact training batch next to its predictions', async () => {
    const { runDir } = await tinyTrackedRun({ runId: 'overfit', trainer: { overfit_batches: 1, max_epochs: 2 } });
    const t = tables(runDir);
    const overfit = t.filter((x) => x.name === 'train/overfit_batch');
    expect(overfit).toHaveLength(2);
    const val = t.filter((x) => x.name === 'val/predictions');
    // Same 4 samples as the batch the model trains on (overfit validates on it).
    expect(overfit[1]?.rows.map((r) => r.id).sort()).toEqual(val[1]?.rows.map((r) => r.id).sort());
    expect(overfit[1]?.rows).toHaveLength(4);
    expect(readFileSync(join(runDir, RUN_FILES.report), 'utf8')).toContain('Overfit batch');
  });
});
