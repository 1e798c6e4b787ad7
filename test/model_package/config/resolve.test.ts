import { beforeAll, describe, expect, it } from 'vitest';
import { deepMerge, parseArgs, resolveConfig } from '../../../model_package/config/index.js';
import { registerTestModel, TEST_MODEL, tempDir, writeYaml } from './fixtures.js';

beforeAll(registerTestModel);

function resolveArgv(argv: string[]) {
  const p = parseArgs(argv);
  return resolveConfig({ configFiles: p.configFiles, overrides: p.overrides });
}

describe('merging config files and overrides', () => {
  it('deep-merges objects key by key and replaces lists whole', () => {
    const merged = deepMerge({ a: { b: 1, c: [1, 2, 3] }, d: 1 }, { a: { c: [9] }, e: 2 });
    expect(merged).toEqual({ a: { b: 1, c: [9] }, d: 1, e: 2 });
  });

  it('merges files in order, then applies overrides wherever they appear', () => {
    const dir = tempDir();
    const a = writeYaml(dir, 'a.yaml', `data:\n  name: BitmapLines\n  batch_size: 4\n  num_train: 10\ntrainer:\n  max_epochs: 3\n  max_steps: 7\nmodel:\n  name: ${TEST_MODEL}\n`);
    const b = writeYaml(dir, 'b.yaml', 'data:\n  batch_size: 5\ntrainer:\n  max_epochs: 4\n');
    // The override sits between the files on the command line but still wins over both.
    const { config } = resolveArgv(['--config', a, '--trainer.max_epochs=9', '--config', b]);
    expect(config.trainer.max_epochs).toBe(9);
    expect(config.trainer.max_steps).toBe(7); // from a, untouched by b
    expect(config.data).toMatchObject({ name: 'BitmapLines', batch_size: 5, num_train: 10 });
    // Defaults fill every other key.
    expect(config.data.num_val).toBe(32);
    expect(config.optimizer.betas).toEqual([0.9, 0.999]);
    expect(config.seed_everything).toBe(0);

    const swapped = resolveArgv(['--config', b, '--config', a]);
    expect(swapped.config.trainer.max_epochs).toBe(3);
    expect(swapped.config.data.batch_size).toBe(4);
  });

  it('accepts both override forms and parses values as YAML scalars', () => {
    const eq = resolveArgv(['--data=BitmapLines', `--model=${TEST_MODEL}`, '--trainer.max_epochs=300', '--optimizer.lr=3e-4', "--optimizer.betas=[0.9,0.99]", '--trainer.fast_dev_run=true']);
    const sp = resolveArgv(['--data', 'BitmapLines', '--model', TEST_MODEL, '--trainer.max_epochs', '300', '--optimizer.lr', '3e-4', '--optimizer.betas', '[0.9,0.99]', '--trainer.fast_dev_run', 'true']);
    for (const { config } of [eq, sp]) {
      expect(config.trainer.max_epochs).toBe(300);
      expect(config.optimizer.lr).toBeCloseTo(3e-4, 12);
      expect(config.optimizer.betas).toEqual([0.9, 0.99]);
      expect(config.trainer.fast_dev_run).toBe(true);
    }
    expect(eq.config).toEqual(sp.config);
  });

  it('reads negative numbers as values, a bare switch as true, and keeps text for string options', () => {
    const { config } = resolveArgv(['--data=BitmapLines', `--model=${TEST_MODEL}`, '--trainer.max_epochs', '-1', '--trainer.enable_progress_bar', '--logger.experiment=123', '--logger.quiet']);
    expect(config.trainer.max_epochs).toBe(-1);
    expect(config.trainer.enable_progress_bar).toBe(true);
    expect(config.logger.experiment).toBe('123');
    expect(config.logger.quiet).toBe(true);
  });

  it('selects classes with --data=NAME / --model=NAME and data.name in YAML', () => {
    const dir = tempDir();
    const f = writeYaml(dir, 'c.yaml', `data: BitmapLines\nmodel:\n  name: ${TEST_MODEL}\n  d_model: 8\n`);
    const { config, data, model } = resolveArgv(['--config', f, '--model.dropout=0.5']);
    expect(data).toEqual({ name: 'BitmapLines', source: f });
    expect(model).toEqual({ name: TEST_MODEL, source: f });
    expect(config.model).toEqual({ name: TEST_MODEL, d_model: 8, max_seq_length: 100, dropout: 0.5 });
    const cli = resolveArgv(['--config', f, '--data.name', 'BitmapLines']);
    expect(cli.data?.source).toBe('command line');
  });

  it('accepts my_model_checkpoint as an alias of checkpoint, in YAML and on the command line', () => {
    const dir = tempDir();
    const f = writeYaml(dir, 'm.yaml', `data: BitmapLines\nmodel: ${TEST_MODEL}\nmy_model_checkpoint:\n  monitor: val/loss\n  save_top_k: 3\n`);
    const { config } = resolveArgv(['--config', f, '--my_model_checkpoint.mode=max']);
    expect(config.checkpoint).toMatchObject({ monitor: 'val/loss', save_top_k: 3, mode: 'max', save_last: true });
    expect(config).not.toHaveProperty('my_model_checkpoint');
  });
});

describe('seed_everything', () => {
  it('seeds model.seed and data.shuffle_seed unless they are set, but never the dataset seed', () => {
    const a = resolveArgv(['--data=BitmapLines', '--model=ResnetTransformer', '--seed_everything=7']).config;
    expect(a.model.seed).toBe(7);
    expect(a.data.shuffle_seed).toBe(7);
    expect(a.data.seed).toBe(0);
    const b = resolveArgv(['--data=BitmapLines', '--model=ResnetTransformer', '--seed_everything=7', '--model.seed=3']).config;
    expect(b.model.seed).toBe(3);
    expect(b.data.shuffle_seed).toBe(7);
  });
});
