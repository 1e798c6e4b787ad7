/** The CI smoke path: a tiny-model fast_dev_run of fit and test, hooks and loggers, no leaks. */
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { Trainer } from '../../../model_package/training/trainer.js';
import { corpusCer } from '../../helpers/corpus_cer.js';
import { expectNoTensorLeak, useTrainingBackend } from '../../helpers/tf.js';
import { tinyData, tinyFit, tinyModel, trainerOptions } from '../../helpers/tiny_run.js';

beforeAll(useTrainingBackend);

describe('Trainer fast_dev_run', () => {
  it('runs one train, val and test batch, calls every hook and writes no checkpoint', async () => {
    const { dir, data, model, logger, cb, lines, trainer, metrics } = await tinyFit({ trainer: { fast_dev_run: true, max_epochs: 5 } });
    expect(trainer.globalStep).toBe(1);
    expect(cb.trainBatches).toHaveLength(1);
    expect(cb.events).toEqual(['fitStart', 'epochEnd:0', 'val:0', 'fitEnd:success']);
    expect(Object.keys(metrics)).toEqual(expect.arrayContaining(['train/loss', 'val/loss', 'val/cer', 'val/wer']));
    // val/cer is what the decoded rows say: the whole val batch (4 rows) went to the table.
    const valRows = logger.tables[0]?.rows ?? [];
    expect(valRows).toHaveLength(4);
    expect(metrics['val/cer']).toBe(corpusCer(valRows));
    expect(valRows.every((r) => r.prediction !== r.groundTruth)).toBe(true); // one step cannot read yet
    expect(metrics['val/cer']).toBeGreaterThan(0.5);
    // At initialisation the loss is near ln(vocab = 14) ~ 2.6: a sanity check on the backend's math.
    expect(metrics['train/loss']).toBeGreaterThan(1);
    expect(metrics['train/loss']).toBeLessThan(6);
    expect(metrics['val/loss']).toBeGreaterThan(1);
    // One val batch of 4 decoded rows went to the table.
    expect(logger.tables[0]?.name).toBe('val/predictions');
    expect(logger.tables[0]?.rows).toHaveLength(4);
    expect(logger.config).toMatchObject({ model: { name: 'ResnetTransformer' } });
    expect(logger.finished).toEqual(['success']);
    expect(existsSync(path.join(dir, 'checkpoints'))).toBe(false);
    expect(lines.some((l) => l.includes('val/cer='))).toBe(true);

    const testMetrics = await trainer.test(model, data);
    expect(Object.keys(testMetrics).sort()).toEqual(['test/cer', 'test/loss', 'test/wer']);
    const testTable = logger.tables.find((t) => t.name === 'test/predictions');
    expect(testTable?.rows).toHaveLength(4); // fast_dev_run: one test batch
    expect(testMetrics['test/cer']).toBe(corpusCer(testTable!.rows));
    expect(cb.testMetrics).toEqual(testMetrics);
    model.dispose();
  });

  it('leaks no tensors over training steps, a validation pass and a decode', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'htr-leak-'));
    const data = await tinyData({ num_train: 12, num_val: 4 });
    const model = tinyModel(data);
    const oneEpoch = () => new Trainer(trainerOptions(dir, { trainer: { max_epochs: 1 }, checkpoint: { save_top_k: 0, save_last: false } }));
    await oneEpoch().fit(model, data); // warm-up: lazily built kernels and caches are not leaks
    const trainer = oneEpoch();
    await expectNoTensorLeak(() => trainer.fit(model, data), '3 training steps + validation');
    await expectNoTensorLeak(() => trainer.validate(model, data), 'validation pass');
    const x = tf.zeros([2, 16, 32, 1]) as tf.Tensor4D;
    await expectNoTensorLeak(() => model.greedyDecode(x).dispose(), 'greedy decode');
    x.dispose();
    let batch;
    for await (const b of data.valDataloader()) batch = b;
    const rows = await expectNoTensorLeak(() => trainer.predictBatch(batch!), 'predictBatch');
    expect(rows).toHaveLength(4);
    model.dispose();
  });
});
