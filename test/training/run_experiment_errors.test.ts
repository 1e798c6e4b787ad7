/** Every config/usage error path of run_experiment: exit code 2 and a message that says what to fix. */
import { beforeAll, describe, expect, it } from 'vitest';
import { runExperiment as run } from '../helpers/run_experiment.js';
import { registerTestModel, TEST_MODEL, tempDir, writeYaml } from '../model_package/config/fixtures.js';

beforeAll(registerTestModel);

const BASE = ['--data=BitmapLines', `--model=${TEST_MODEL}`];

describe('run_experiment config errors', () => {
  it('names a misspelt key with its full path, the nearest valid key and the allowed keys', async () => {
    const r = await run(['fit', ...BASE, '--trainer.max_epoch=3', '--print_config']);
    expect(r.code).toBe(2);
    expect(r.out).toBe('');
    expect(r.err).toContain('HTR_ERR_CONFIG_UNKNOWN_KEY');
    expect(r.err).toContain('"trainer.max_epoch"');
    expect(r.err).toContain('Did you mean "trainer.max_epochs"?');
    expect(r.err).toMatch(/Allowed keys under "trainer": accelerator, num_threads, max_epochs/);
  });

  it('finds misspelt keys inside the selected data class and at the top level, also from YAML', async () => {
    const data = await run(['fit', ...BASE, '--data.batchsize=3', '--print_config']);
    expect(data.code).toBe(2);
    expect(data.err).toContain('Unknown config key "data.batchsize". Did you mean "data.batch_size"?');
    expect(data.err).toContain('num_train'); // allowed keys of BitmapLines

    const dir = tempDir();
    const f = writeYaml(dir, 'typo.yaml', 'trainr:\n  max_epochs: 3\n');
    const top = await run(['fit', ...BASE, '--config', f, '--print_config']);
    expect(top.code).toBe(2);
    expect(top.err).toContain('Unknown config key "trainr". Did you mean "trainer"?');
    expect(top.err).toContain('Allowed keys at the top level: seed_everything, trainer, data, model');
  });

  it('rejects an option of the previous data class after switching class', async () => {
    const dir = tempDir();
    const f = writeYaml(dir, 'c.yaml', `data:\n  name: BitmapLines\n  alphabet: abc\nmodel: ${TEST_MODEL}\n`);
    // Keys are validated against the selected class; `alphabet` is valid for BitmapLines...
    expect((await run(['fit', '--config', f, '--print_config'])).code).toBe(0);
    // ...and a key the class does not know is an error, wherever it came from.
    const r = await run(['fit', '--config', f, '--data.font_size=3', '--print_config']);
    expect(r.code).toBe(2);
    expect(r.err).toContain('"data.font_size"');
  });

  it('names the key, the offending value and the allowed type or range', async () => {
    const type = await run(['fit', ...BASE, '--trainer.max_epochs=abc', '--print_config']);
    expect(type.code).toBe(2);
    expect(type.err).toContain('HTR_ERR_CONFIG_INVALID: Invalid value for "trainer.max_epochs": got "abc", expected integer >= -1');

    const range = await run(['fit', ...BASE, '--optimizer.lr', '-0.1', '--print_config']);
    expect(range.code).toBe(2);
    expect(range.err).toContain('Invalid value for "optimizer.lr": got -0.1 (number), expected number > 0');

    const choice = await run(['fit', ...BASE, '--trainer.accelerator=tpu', '--print_config']);
    expect(choice.err).toContain('Invalid value for "trainer.accelerator": got "tpu", expected auto | gpu | native | wasm | cpu');

    const frac = await run(['fit', ...BASE, '--model.dropout=1.5', '--print_config']);
    expect(frac.err).toContain('Invalid value for "model.dropout": got 1.5 (number), expected number >= 0, <= 1');

    const tuple = await run(['fit', ...BASE, '--optimizer.betas=[0.9]', '--print_config']);
    expect(tuple.code).toBe(2);
    expect(tuple.err).toContain('"optimizer.betas"');
  });

  it('reports every problem at once, unknown keys first', async () => {
    const r = await run(['fit', ...BASE, '--trainer.max_epochs=x', '--data.num_trian=1', '--print_config']);
    const lines = r.err.trim().split('\n');
    expect(lines).toHaveLength(2);
    expect(lines[0]).toContain('data.num_trian');
    expect(lines[1]).toContain('trainer.max_epochs');
  });

  it('names the file and line of malformed YAML', async () => {
    const dir = tempDir();
    const f = writeYaml(dir, 'bad.yaml', 'trainer:\n  max_epochs: 3\n  limit: [1, 2\ndata: x\n');
    const r = await run(['fit', '--config', f, '--print_config']);
    expect(r.code).toBe(2);
    expect(r.err).toContain(`HTR_ERR_CONFIG_PARSE: Cannot parse config file ${f}: line `);
    expect(r.err).toMatch(/line [34], column/);

    const notMap = writeYaml(dir, 'list.yaml', '- 1\n- 2\n');
    const r2 = await run(['fit', '--config', notMap]);
    expect(r2.code).toBe(2);
    expect(r2.err).toContain(`${notMap}: line 1: the top level must be a mapping`);
  });

  it('names a missing config file (and a missing checkpoint)', async () => {
    const r = await run(['fit', '--config', 'configs/does_not_exist.yaml']);
    expect(r.code).toBe(2);
    expect(r.err).toContain('HTR_ERR_MISSING_FILE: File not found: configs/does_not_exist.yaml');

    const ck = await run(['test', ...BASE, '--ckpt_path', '/nonexistent/best.ckpt']);
    expect(ck.code).toBe(2);
    expect(ck.err).toContain('File not found: /nonexistent/best.ckpt');
  });

  it('lists the known classes for an unknown --data / --model and suggests the nearest', async () => {
    const d = await run(['fit', '--data=Bitmaplines', '--print_config']);
    expect(d.code).toBe(2);
    expect(d.err).toMatch(/HTR_ERR_UNKNOWN_DATA: Unknown data class "Bitmaplines". Known: .*BitmapLines/);
    expect(d.err).toContain('Did you mean "BitmapLines"?');

    const m = await run(['fit', '--data=BitmapLines', '--model=NoSuchModel', '--print_config']);
    expect(m.code).toBe(2);
    expect(m.err).toMatch(new RegExp(`HTR_ERR_UNKNOWN_MODEL: Unknown model class "NoSuchModel". Known: .*${TEST_MODEL}`));
  });

  it('says which class a config file names that this build does not have', async () => {
    const dir = tempDir();
    const f = writeYaml(dir, 'future.yaml', `data:\n  name: NotYetWrittenLines\nmodel: ${TEST_MODEL}\n`);
    const r = await run(['fit', '--config', f, '--print_config']);
    expect(r.code).toBe(2);
    expect(r.err).toContain('HTR_ERR_CLASS_UNAVAILABLE: Class "NotYetWrittenLines" is not available in this build');
    expect(r.err).toContain(`named in ${f}`);
    expect(r.err).toContain('model_package/data/registry.ts');
  });

  it('asks for a data class when none is selected', async () => {
    const r = await run(['fit', `--model=${TEST_MODEL}`, '--print_config']);
    expect(r.code).toBe(2);
    expect(r.err).toContain('Invalid value for "data.name": required: choose a data class with --data=NAME');
  });

  it('rejects unknown subcommands, options and stray arguments', async () => {
    const sub = await run(['fitt']);
    expect(sub.code).toBe(2);
    expect(sub.err).toContain('Unknown subcommand "fitt". Did you mean "fit"?');

    const opt = await run(['fit', ...BASE, '--max_epochs=3']);
    expect(opt.code).toBe(2);
    expect(opt.err).toContain('Unknown config key "max_epochs"');

    const stray = await run(['fit', ...BASE, 'extra']);
    expect(stray.code).toBe(2);
    expect(stray.err).toContain('Unexpected argument "extra"');

    const none = await run([]);
    expect(none.code).toBe(2);
    expect(none.err).toContain('Usage: run_experiment');
  });
});
