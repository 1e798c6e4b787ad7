/** Fine-tuning through the CLI: `--model.init_from` a checkpoint trained on another vocabulary. */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readCheckpoint } from '../../model_package/checkpoint/checkpoint.js';
import { runExperiment } from '../helpers/run_experiment.js';
import { tempDir } from '../model_package/config/fixtures.js';

const SMOKE = ['--config', 'configs/smoke.yaml', '--trainer.accelerator=cpu', '--trainer.enable_progress_bar=false', '--logger.quiet=true', '--trainer.limit_train_batches=1'];

describe('run_experiment fit --model.init_from', () => {
  it('starts from the checkpoint\'s weights, maps the vocabulary by character and reports the change', async () => {
    const root = tempDir();
    const pre = await runExperiment(['fit', ...SMOKE, `--trainer.default_root_dir=${root}/pre`, '--data.alphabet=0123456789']);
    expect(pre.code, pre.err).toBe(0);
    const [runId] = readdirSync(join(root, 'pre', 'smoke'));
    const ckpt = join(root, 'pre', 'smoke', runId as string, 'checkpoints', 'last.ckpt');

    const tune = await runExperiment(['fit', ...SMOKE, `--trainer.default_root_dir=${root}/tune`, '--data.alphabet=0123abc', `--model.init_from=${ckpt}`]);
    expect(tune.code, tune.err).toBe(0);
    expect(tune.err).toMatch(/init_from .*last\.ckpt: \d+ tensors loaded; vocabulary: 3 added \("a" "b" "c"\), 6 dropped \("4" "5" "6" "7" "8" "9"\)/);
    const [tuneId] = readdirSync(join(root, 'tune', 'smoke'));
    const tuned = await readCheckpoint(join(root, 'tune', 'smoke', tuneId as string, 'checkpoints', 'last.ckpt'));
    expect(tuned.dataConfig.mapping.slice(4)).toEqual([...'0123abc']);
    expect((tuned.config.model as Record<string, unknown>).init_from).toBe(ckpt);

    const missing = await runExperiment(['fit', ...SMOKE, `--trainer.default_root_dir=${root}/x`, `--model.init_from=${root}/nope.ckpt`]);
    expect(missing.code).not.toBe(0);
    expect(missing.err).toMatch(/HTR_ERR_MISSING_FILE|not found.*nope\.ckpt/);
  });
});
