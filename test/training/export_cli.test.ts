import { mkdtempSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../training/run_experiment.js';
import { loadRecognizerFromCheckpoint, readCheckpoint, saveCheckpoint } from '../../model_package/checkpoint/checkpoint.js';
import { loadRecognizer } from '../../model_package/api/node.js';
import { useCpuBackend } from '../helpers/tf.js';

const DEMO = 'models/demo/demo.ckpt';
const SAMPLE = 'models/demo/sample_line.png';
/** A training checkpoint (weights plus Adam moments) made from the bundled, already exported, demo model. */
const CKPT = path.join(mkdtempSync(path.join(tmpdir(), 'htr-export-full-')), 'full.ckpt');

beforeAll(async () => {
  await useCpuBackend();
  const demo = await readCheckpoint(DEMO);
  const model = await loadRecognizerFromCheckpoint(DEMO);
  const moments = new Map<string, tf.Tensor>();
  for (const [name, v] of model.namedParameters()) {
    moments.set(`m.${name}`, tf.fill(v.shape, 0.01));
    moments.set(`v.${name}`, tf.fill(v.shape, 0.001));
  }
  await saveCheckpoint(CKPT, { model, optimizerTensors: moments, state: demo.state, config: demo.config, dataConfig: demo.dataConfig });
  for (const t of moments.values()) t.dispose();
  model.dispose();
});

function capture() {
  const out = { stdout: '', stderr: '' };
  return { out, io: { stdout: { write: (t: string) => (out.stdout += t) }, stderr: { write: (t: string) => (out.stderr += t) } } };
}

describe('run_experiment export', () => {
  it('writes weights, config and vocabulary without optimizer state, and reports both sizes', async () => {
    const file = path.join(mkdtempSync(path.join(tmpdir(), 'htr-export-')), 'demo.inference.ckpt');
    const { out, io } = capture();
    expect(await main(['export', '--ckpt_path', CKPT, '--out', file], io), out.stderr).toBe(0);
    const full = await readCheckpoint(CKPT);
    const slim = await readCheckpoint(file);
    expect(full.optimizer.size).toBeGreaterThan(0);
    expect(slim.optimizer.size).toBe(0);
    expect([...slim.model.keys()]).toEqual([...full.model.keys()]);
    for (const [name, t] of full.model) expect(Buffer.from(slim.model.get(name)!.data.buffer).equals(Buffer.from(t.data.buffer)), name).toBe(true);
    expect(slim.config).toEqual(full.config);
    expect(slim.dataConfig).toEqual(full.dataConfig);
    const size = statSync(file).size;
    expect(size).toBeLessThan(statSync(CKPT).size);
    expect(out.stdout).toContain(`${(size / 1024).toFixed(0)} KiB`);
    expect(out.stdout).toMatch(/% of the full checkpoint \(\d+ KiB\)/);

    // Loads like the checkpoint and reads the same text.
    const a = await loadRecognizer(CKPT);
    const b = await loadRecognizer(file);
    const [ra, rb] = [await a.recognize(SAMPLE), await b.recognize(SAMPLE)];
    a.dispose();
    b.dispose();
    expect(rb).toEqual(ra);
  });

  it('names a missing checkpoint and exits 2', async () => {
    const { out, io } = capture();
    expect(await main(['export', '--ckpt_path', 'nope/missing.ckpt'], io)).toBe(2);
    expect(out.stderr).toMatch(/HTR_ERR_MISSING_FILE.*nope\/missing\.ckpt/);
  });
});
