/**
 * The seed's sanity check: a model that cannot memorise one batch has a broken loop.
 * Tiny-model version of bench/overfit_one_batch.ts (which runs the default model on 16 lines).
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { Trainer } from '../../../model_package/training/trainer.js';
import type { Callback } from '../../../model_package/training/callback.js';
import { useTrainingBackend } from '../../helpers/tf.js';
import { tinyData, tinyModel, trainerOptions } from '../../helpers/tiny_run.js';

beforeAll(useTrainingBackend);

describe('overfit one batch', () => {
  it('reaches CER 0 on a fixed batch of 8 lines, measured by greedy decoding', async () => {
    const data = await tinyData({ batch_size: 8, num_train: 8 });
    const model = tinyModel(data);
    let reachedAt: number | undefined;
    const stopAtZero: Callback = {
      onValidationEnd(t, info) {
        if (info.metrics['val/cer'] === 0) {
          reachedAt ??= t.globalStep;
          t.shouldStop = true;
        }
      },
    };
    const trainer = new Trainer(
      trainerOptions(mkdtempSync(path.join(tmpdir(), 'htr-overfit-')), {
        trainer: { max_epochs: 150, overfit_batches: 1, check_val_every_n_epoch: 5 },
        optimizer: { lr: 1e-2 },
        checkpoint: { save_top_k: 0, save_last: false },
      }, { callbacks: [stopAtZero] }),
    );
    const metrics = await trainer.fit(model, data);
    expect(reachedAt, `val/cer stayed at ${metrics['val/cer']}`).toBeDefined();
    expect(metrics['val/cer']).toBe(0);
    expect(metrics['val/wer']).toBe(0);
    // Not luck at step 0: it took real training.
    expect(reachedAt!).toBeGreaterThan(5);
    model.dispose();
  });
});
