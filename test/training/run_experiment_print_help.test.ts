/** --print_config round trip and --help content. */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import YAML from 'yaml';
import { beforeAll, describe, expect, it } from 'vitest';
import { resolveConfig } from '../../model_package/config/index.js';
import { runExperiment as run } from '../helpers/run_experiment.js';
import { registerTestModel, TEST_MODEL, tempDir, writeYaml } from '../model_package/config/fixtures.js';

beforeAll(registerTestModel);

describe('--print_config', () => {
  it('prints the merged config with every default, and reading it back reproduces it exactly', async () => {
    const dir = tempDir();
    const f = writeYaml(dir, 'exp.yaml', `data:\n  name: BitmapLines\n  num_train: 64\nmodel:\n  name: ${TEST_MODEL}\n  d_model: 48\nmy_model_checkpoint:\n  save_top_k: 2\n`);
    const first = await run(['fit', '--config', f, '--trainer.max_epochs', '7', '--optimizer.betas=[0.8,0.9]', '--logger.experiment=042', '--print_config']);
    expect(first.code).toBe(0);
    expect(first.err).toBe('');
    const printed = YAML.parse(first.out) as Record<string, Record<string, unknown>>;
    expect(Object.keys(printed)).toEqual(['seed_everything', 'trainer', 'data', 'model', 'optimizer', 'lr_scheduler', 'checkpoint', 'early_stopping', 'logger']);
    expect(printed.trainer).toMatchObject({ max_epochs: 7, accelerator: 'auto', max_steps: -1 });
    expect(printed.data).toMatchObject({ name: 'BitmapLines', num_train: 64, num_val: 32, batch_size: 16 });
    expect(printed.checkpoint).toMatchObject({ save_top_k: 2, monitor: 'val/cer' });
    expect(printed.logger?.experiment).toBe('042');
    // A linked key the user did not set is left to the data module, not pinned to the schema default.
    expect(printed.model).toEqual({ name: TEST_MODEL, d_model: 48, dropout: 0.1 });
    expect(Object.keys(printed.data ?? {})[0]).toBe('name');

    const again = writeYaml(dir, 'printed.yaml', first.out);
    const second = await run(['fit', '--config', again, '--print_config']);
    expect(second.code).toBe(0);
    expect(second.out).toBe(first.out);
    const a = resolveConfig({ configFiles: [again] }).config;
    const b = resolveConfig({ configFiles: [f], overrides: [{ path: ['trainer', 'max_epochs'], value: 7 }, { path: ['optimizer', 'betas'], value: [0.8, 0.9] }, { path: ['logger', 'experiment'], value: '042' }] }).config;
    expect(a).toEqual(b);
  });

  it('keeps a linked key the user set by hand', async () => {
    const r = await run(['fit', '--data=BitmapLines', `--model=${TEST_MODEL}`, '--model.max_seq_length=12', '--print_config']);
    expect(YAML.parse(r.out).model.max_seq_length).toBe(12);
  });

  it('every shipped configs/*.yaml prints, keeps each value it sets, validates and round-trips', async () => {
    const dir = tempDir();
    const names = readdirSync('configs').filter((n) => n.endsWith('.yaml')).sort();
    expect(names).toEqual(expect.arrayContaining(['smoke.yaml', 'overfit_one_batch.yaml', 'synthetic_lines.yaml', 'iam_lines.yaml']));
    for (const name of names) {
      const file = join('configs', name);
      const own = YAML.parse(readFileSync(file, 'utf8')) as Record<string, Record<string, unknown>>;
      // Add-on configs (no data section) are meant to go on top of another one.
      const base = own.data ? [] : ['--config', 'configs/smoke.yaml'];
      const r = await run(['fit', ...base, '--config', file, '--print_config']);
      expect(r.err, name).toBe('');
      expect(r.code, name).toBe(0);
      const printed = YAML.parse(r.out) as Record<string, Record<string, unknown>>;
      // Nothing the file sets is dropped or rewritten on the way (defaults only fill gaps).
      expect(printed, name).toMatchObject(own);
      expect(printed.data?.name, name).toBe(own.data?.name ?? 'BitmapLines');
      expect(printed.model?.name, name).toBe('ResnetTransformer');
      const again = writeYaml(dir, name, r.out);
      expect(() => resolveConfig({ configFiles: [again] }), name).not.toThrow();
      const back = await run(['fit', '--config', again, '--print_config']);
      expect(back.code, name).toBe(0);
      expect(back.out, name).toBe(r.out);
    }
  });
});

describe('--help', () => {
  it('lists every option with type and default, including the selected data class', async () => {
    const r = await run(['fit', '--data=BitmapLines', `--model=${TEST_MODEL}`, '--help']);
    expect(r.code).toBe(0);
    const line = (flag: string): string => r.out.split('\n').find((l) => l.trimStart().startsWith(`${flag} `)) ?? '';
    expect(line('--trainer.max_epochs')).toMatch(/integer >= -1\s+default 10\s+stop after this many epochs/);
    expect(line('--trainer.accelerator')).toMatch(/auto \| gpu \| native \| wasm \| cpu\s+default "auto"/);
    expect(line('--data.num_train')).toMatch(/integer >= 0\s+default 256\s+train lines/);
    expect(line('--data.height')).toMatch(/integer >= 7\s+default 28/);
    expect(line('--model.d_model')).toMatch(/integer > 0\s+default 32\s+width of the test model/);
    expect(line('--optimizer.betas')).toMatch(/\[number, number\]\s+default \[0.9,0.999\]/);
    expect(line('--lr_scheduler.max_lr')).toMatch(/number > 0\s+default unset/);
    expect(line('--seed_everything')).toMatch(/integer >= 0\s+default 0/);
    expect(r.out).toContain('data class: BitmapLines');
  });

  it('takes the data class from --config as well, and says when none is selected', async () => {
    const withConfig = await run(['fit', '--config', 'configs/smoke.yaml', `--model=${TEST_MODEL}`, '-h']);
    expect(withConfig.out).toContain('--data.num_train');
    const bare = await run(['test', '--help']);
    expect(bare.code).toBe(0);
    expect(bare.out).toContain('test: run the test split');
    expect(bare.out).toMatch(/--data\.name\s+string\s+default required\s+data class: .*BitmapLines/);
    expect(bare.out).not.toContain('--data.num_train');
  });

  it('still shows help when a config names a class this build lacks, and says which', async () => {
    const f = writeYaml(tempDir(), 'future.yaml', 'data:\n  name: NotYetWrittenLines\n');
    const r = await run(['fit', '--config', f, '--help']);
    expect(r.code).toBe(0);
    expect(r.out).toContain('--trainer.max_epochs');
    expect(r.out).toContain('note: HTR_ERR_CLASS_UNAVAILABLE: Class "NotYetWrittenLines" is not available in this build');
  });

  it('has a top-level help listing the subcommands', async () => {
    const r = await run(['--help']);
    expect(r.code).toBe(0);
    for (const c of ['fit', 'validate', 'test', 'predict', 'report', 'export']) expect(r.out).toMatch(new RegExp(`^  ${c} `, 'm'));
    expect(r.out).toContain('--print_config');
  });
});
