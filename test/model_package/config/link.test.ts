/** Linking: the data module's dataConfig() decides the model's max length (and vocabulary, input dims). */
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { beforeAll, describe, expect, it } from 'vitest';
import { linkConfig, parseArgs, resolveConfig } from '../../../model_package/config/index.js';
import type { DataConfig } from '../../../model_package/core/data_types.js';
import { isHtrError } from '../../../model_package/errors.js';
import { prepareRun } from '../../../training/run_stage.js';
import { main } from '../../../training/run_experiment.js';
import { captureIo, created, registerTestModel, TEST_MODEL } from './fixtures.js';

beforeAll(async () => {
  registerTestModel();
  await tf.setBackend('cpu');
});

function resolveArgv(argv: string[]) {
  const p = parseArgs(argv);
  return resolveConfig({ configFiles: p.configFiles, overrides: p.overrides });
}

const DC: DataConfig = { inputDims: [1, 28, 64], outputDims: [12], mapping: ['<B>', '<S>', '<E>', '<P>', 'a', 'b'] };

describe('linkConfig', () => {
  it('fills linked model keys from the data config when the user left them alone', () => {
    const r = resolveArgv(['--data=BitmapLines', `--model=${TEST_MODEL}`]);
    expect(r.config.model.max_seq_length).toBe(100); // schema default before linking
    const linked = linkConfig(r.config, DC, r.raw, ['max_seq_length']);
    expect(linked.model.max_seq_length).toBe(12);
    expect(r.config.model.max_seq_length).toBe(100); // input untouched
  });

  it('accepts a hand-set value that agrees and rejects one that does not, naming key and both values', () => {
    const same = resolveArgv(['--data=BitmapLines', `--model=${TEST_MODEL}`, '--model.max_seq_length=12']);
    expect(linkConfig(same.config, DC, same.raw, ['max_seq_length']).model.max_seq_length).toBe(12);

    const other = resolveArgv(['--data=BitmapLines', `--model=${TEST_MODEL}`, '--model.max_seq_length=40']);
    let caught: unknown;
    try {
      linkConfig(other.config, DC, other.raw, ['max_seq_length']);
    } catch (err) {
      caught = err;
    }
    expect(isHtrError(caught, 'HTR_ERR_CONFIG_LINK')).toBe(true);
    const msg = (caught as Error).message;
    expect(msg).toContain('"model.max_seq_length"');
    expect(msg).toContain('set to 40 but BitmapLines derives 12');
  });

  it('links vocabulary and input dims for models whose schema has those keys', () => {
    const r = resolveArgv(['--data=BitmapLines', `--model=${TEST_MODEL}`]);
    const linked = linkConfig(r.config, DC, r.raw, ['idx_to_char', 'input_dims']);
    expect(linked.model.idx_to_char).toEqual(DC.mapping);
    expect(linked.model.input_dims).toEqual([1, 28, 64]);
  });
});

describe('prepareRun linking with a real data module', () => {
  it('hands BitmapLines max_length + 2 to the model as max_seq_length, with the data config', async () => {
    created.length = 0;
    const r = resolveArgv(['--data=BitmapLines', `--model=${TEST_MODEL}`, '--data.max_length=7', '--data.num_train=4', '--data.num_val=2', '--data.num_test=2']);
    const { model, resolvedConfig } = await prepareRun('fit', r);
    expect(created).toHaveLength(1);
    expect(created[0]?.config.max_seq_length).toBe(9);
    expect(created[0]?.config).not.toHaveProperty('name');
    expect(created[0]?.dataConfig.outputDims).toEqual([9]);
    expect(created[0]?.dataConfig.inputDims).toEqual([1, 28, 128]);
    expect((resolvedConfig.model as Record<string, unknown>).max_seq_length).toBe(9);
    model.dispose();
  });

  it('builds the real ResnetTransformer with the linked length', async () => {
    const r = resolveArgv(['--data=BitmapLines', '--model=ResnetTransformer', '--data.max_length=5', '--data.num_train=2', '--data.num_val=1', '--data.num_test=1',
      '--model.tf_dim=16', '--model.tf_fc_dim=16', '--model.tf_nhead=2', '--model.tf_layers=1', '--model.stem_channels=8', "--model.stages=[{channels: 8}]"]);
    const before = tf.memory().numTensors;
    const { model } = await prepareRun('fit', r);
    expect(model.dataConfig.outputDims).toEqual([7]);
    model.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('fails the CLI with exit 2 when a hand-set linked key disagrees with the data module', async () => {
    const io = captureIo();
    const code = await main(['fit', '--data=BitmapLines', `--model=${TEST_MODEL}`, '--data.max_length=7', '--model.max_seq_length=20', '--trainer.accelerator=cpu'], io);
    expect(code).toBe(2);
    expect(io.err()).toContain('HTR_ERR_CONFIG_LINK: Inconsistent linked setting "model.max_seq_length": set to 20 but BitmapLines derives 9');
  });
});
