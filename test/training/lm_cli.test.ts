/** `run_experiment lm` and trainer.lm: a language model from the training split, used by validation and test. */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../training/run_experiment.js';
import { loadLanguageModel, CharNgramLm, saveLanguageModel } from '../../model_package/lm/index.js';
import { readCheckpoint } from '../../model_package/checkpoint/checkpoint.js';
import { buildMapping } from '../../model_package/core/tokenizer.js';
import { Trainer } from '../../model_package/training/trainer.js';
import { tinyData, tinyModel, trainerOptions } from '../helpers/tiny_run.js';
import { useCpuBackend } from '../helpers/tf.js';

const DEMO = 'models/demo/demo.ckpt';
const BITMAP = ['--data=BitmapLines', '--data.alphabet=0123456789', '--data.height=16', '--data.width=32', '--data.max_length=2', '--data.num_train=40', '--data.num_val=8', '--data.num_test=8'];

function capture() {
  const out = { stdout: '', stderr: '' };
  return { out, io: { stdout: { write: (t: string) => (out.stdout += t) }, stderr: { write: (t: string) => (out.stderr += t) } } };
}

beforeAll(useCpuBackend);

describe('run_experiment lm', () => {
  it('learns from the training split of a config, in its vocabulary', async () => {
    const file = path.join(mkdtempSync(path.join(tmpdir(), 'htr-lm-cli-')), 'lm.json');
    const { out, io } = capture();
    expect(await main(['lm', ...BITMAP, '--out', file, '--order', '3'], io), out.stderr).toBe(0);
    expect(out.stdout).toMatch(/wrote .*lm\.json: 3-gram character model from 40 lines of the training split \(\d+ KiB\)/);
    const data = await tinyData({ num_train: 40, max_length: 2 });
    const lm = await loadLanguageModel(file, data.dataConfig().mapping);
    expect(lm.lines).toBe(40);
  });

  it('learns from a text file in a checkpoint\'s vocabulary', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'htr-lm-cli-'));
    const text = path.join(dir, 'corpus.txt');
    writeFileSync(text, 'the cat sat on the mat\n\nthe dog sat on the log\r\n');
    const file = path.join(dir, 'lm.json');
    const { out, io } = capture();
    expect(await main(['lm', '--ckpt_path', DEMO, '--text', text, '--out', file], io), out.stderr).toBe(0);
    expect(out.stdout).toContain('6-gram character model from 2 lines of');
    const lm = await loadLanguageModel(file, (await readCheckpoint(DEMO)).dataConfig.mapping);
    expect(lm.order).toBe(6);
  });

  it('refuses a call without text and vocabulary, or without --out (exit 2, with the usage)', async () => {
    for (const argv of [['lm', '--out', '/tmp/x.json'], ['lm', '--ckpt_path', DEMO, '--out', '/tmp/x.json'], ['lm', ...BITMAP]]) {
      const { out, io } = capture();
      expect(await main(argv, io)).toBe(2);
      expect(out.stderr).toContain('Usage: run_experiment lm');
    }
    const { out, io } = capture();
    expect(await main(['lm', '--ckpt_path', DEMO, '--text', '/nonexistent/corpus.txt', '--out', '/tmp/x.json'], io)).not.toBe(0);
    expect(out.stderr).toContain('/nonexistent/corpus.txt');
  });
});

describe('trainer.lm', () => {
  it('is loaded once and fused into ctc_beam validation and test; another vocabulary is refused, naming the file', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'htr-lm-trainer-'));
    const data = await tinyData();
    const model = tinyModel(data, { ctc_weight: 0.5 });
    const file = path.join(dir, 'lm.json');
    await saveLanguageModel(file, CharNgramLm.build(['12', '34', '5'], data.dataConfig().mapping, 2));
    const lines: string[] = [];
    const trainer = new Trainer(trainerOptions(dir, { trainer: { decoding: 'ctc_beam', lm: file } }, { log: (l) => lines.push(l) }));
    const metrics = await trainer.test(model, data);
    await trainer.validate(model, data);
    expect(metrics['test/cer']).toBeGreaterThanOrEqual(0);
    expect(lines.filter((l) => l.includes(`language model ${file}: 2-gram from 3 lines`))).toHaveLength(1);

    const other = path.join(dir, 'other.json');
    await saveLanguageModel(other, CharNgramLm.build(['ab'], buildMapping('ab'), 2));
    const refused = new Trainer(trainerOptions(dir, { trainer: { decoding: 'ctc_beam', lm: other } }));
    await expect(refused.test(model, data)).rejects.toThrow(/other\.json.*not the model's/);
    model.dispose();
  });
});
