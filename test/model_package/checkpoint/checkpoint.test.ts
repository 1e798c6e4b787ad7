/** Checkpoint files: format, atomic writes, round trips, and clear errors on damage. */
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { isHtrError } from '../../../model_package/errors.js';
import {
  loadModelWeights,
  loadRecognizerFromCheckpoint,
  readCheckpoint,
  saveCheckpoint,
  type CheckpointState,
} from '../../../model_package/checkpoint/checkpoint.js';
import { decodeSafetensors, encodeSafetensors } from '../../../model_package/checkpoint/safetensors.js';
import { writeFileAtomic } from '../../../model_package/core/atomic_write.js';
import { expectNoTensorLeak, maxAbsDiff, snapshot, useCpuBackend } from '../../helpers/tf.js';
import { TINY_MODEL, tinyData, tinyModel } from '../../helpers/tiny_run.js';

beforeAll(useCpuBackend);

const STATE: CheckpointState = {
  epoch: 3,
  globalStep: 42,
  resume: { epoch: 4, batch: 0 },
  rngState: 12345,
  scheduler: { name: 'none', step: 42 },
  optimizer: null,
  metrics: { 'val/cer': 0.25 },
  callbacks: {},
};

async function saved(dir: string) {
  const data = await tinyData();
  const model = tinyModel(data, { seed: 7 });
  const file = path.join(dir, 'model.ckpt');
  const config = { model: { name: 'ResnetTransformer', ...TINY_MODEL, seed: 7 }, data: { name: 'BitmapLines' } };
  await saveCheckpoint(file, { model, state: STATE, config, dataConfig: data.dataConfig() });
  return { data, model, file, config };
}

async function expectBad(file: string, reason: RegExp): Promise<void> {
  try {
    await readCheckpoint(file);
    expect.unreachable('readCheckpoint accepted a damaged file');
  } catch (err) {
    expect(isHtrError(err, 'HTR_ERR_BAD_CHECKPOINT'), String(err)).toBe(true);
    expect((err as Error).message).toContain(file);
    expect((err as Error).message).toMatch(reason);
  }
}

describe('safetensors container', () => {
  it('writes the documented layout: u64 LE header length, JSON header, aligned raw data', () => {
    const buf = Buffer.from(encodeSafetensors(
      new Map([
        ['a', { dtype: 'F32' as const, shape: [2], data: new Float32Array([1.5, -2]) }],
        ['b', { dtype: 'I32' as const, shape: [1, 1], data: new Int32Array([7]) }],
      ]),
      { note: 'hi' },
    ));
    const n = Number(buf.readBigUInt64LE(0));
    expect((8 + n) % 8).toBe(0);
    const header = JSON.parse(buf.subarray(8, 8 + n).toString());
    expect(header).toEqual({
      __metadata__: { note: 'hi' },
      a: { dtype: 'F32', shape: [2], data_offsets: [0, 8] },
      b: { dtype: 'I32', shape: [1, 1], data_offsets: [8, 12] },
    });
    expect(buf.readFloatLE(8 + n)).toBe(1.5);
    expect(buf.readFloatLE(8 + n + 4)).toBe(-2);
    expect(buf.readInt32LE(8 + n + 8)).toBe(7);
    const back = decodeSafetensors(buf, 'mem');
    expect(Array.from(back.tensors.get('a')!.data)).toEqual([1.5, -2]);
    expect(back.metadata).toEqual({ note: 'hi' });
  });

  it('writes atomically: no temp file is left and a failed write keeps the old file', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'htr-atomic-'));
    const file = path.join(dir, 'x.bin');
    await writeFileAtomic(file, 'old');
    await writeFileAtomic(file, 'new');
    expect(readFileSync(file, 'utf8')).toBe('new');
    expect(readdirSync(dir)).toEqual(['x.bin']);
    // The target is a directory: rename fails, the temp file is cleaned up.
    const sub = path.join(dir, 'sub');
    await writeFileAtomic(path.join(sub, 'inner'), 'a');
    await expect(writeFileAtomic(sub, 'b')).rejects.toThrow();
    expect(readdirSync(dir).sort()).toEqual(['sub', 'x.bin']);
  });
});

describe('checkpoints', () => {
  it('round-trip weights, state, config and vocabulary; loadRecognizerFromCheckpoint rebuilds the model', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'htr-ckpt-'));
    const { data, model, file, config } = await saved(dir);
    const ckpt = await readCheckpoint(file);
    expect(ckpt.state).toEqual(STATE);
    expect(ckpt.config).toEqual(config);
    expect(ckpt.dataConfig.mapping).toEqual(data.dataConfig().mapping);
    expect([...ckpt.model.keys()].sort()).toEqual([...model.namedParameters(), ...model.namedBuffers()].map(([n]) => n).sort());

    // Loading builds, fills and returns the model; nothing else stays alive.
    await expectNoTensorLeak(async () => (await loadRecognizerFromCheckpoint(file)).dispose(), 'load + dispose');
    const rebuilt = await loadRecognizerFromCheckpoint(file);
    expect(rebuilt.training).toBe(false);
    expect(maxAbsDiff(snapshot(model), snapshot(rebuilt))).toBe(0);
    // Same transcription as the original in eval mode.
    model.train(false);
    const x = tf.randomUniform([2, 16, 32, 1], 0, 1, 'float32', 3) as tf.Tensor4D;
    const a = model.greedyDecode(x);
    const b = rebuilt.greedyDecode(x);
    expect(Array.from(b.dataSync())).toEqual(Array.from(a.dataSync()));
    tf.dispose([x, a, b]);
    model.dispose();
    rebuilt.dispose();
  });

  it('names the file and the damage for truncated, corrupt or foreign files', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'htr-bad-'));
    const { file, model } = await saved(dir);
    model.dispose();
    const bytes = readFileSync(file);
    const n = Number(bytes.readBigUInt64LE(0));
    const write = (name: string, b: Buffer) => {
      const p = path.join(dir, name);
      writeFileSync(p, b);
      return p;
    };
    await expectBad(write('tiny.ckpt', bytes.subarray(0, 5)), /too short/);
    await expectBad(write('cut_header.ckpt', bytes.subarray(0, 8 + Math.floor(n / 2))), /header length .* exceeds/);
    await expectBad(write('cut_data.ckpt', bytes.subarray(0, bytes.length - 100)), /truncated/);
    const garbled = Buffer.from(bytes);
    garbled.write('!', 8, 'latin1'); // the header's opening brace
    await expectBad(write('garbled.ckpt', garbled), /not valid JSON/);
    await expectBad(write('text.ckpt', Buffer.from('hello, I am not a checkpoint')), /header length|JSON/);
    const foreign = Buffer.from(encodeSafetensors(new Map([['w', { dtype: 'F32' as const, shape: [1], data: new Float32Array([1]) }]]), {}));
    await expectBad(write('foreign.ckpt', foreign), /not an htr-ts checkpoint/);
    await expect(readCheckpoint(path.join(dir, 'missing.ckpt'))).rejects.toThrow(/HTR_ERR_MISSING_FILE/);
  });

  it('refuses weights that do not fit the stored model config', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'htr-misfit-'));
    const data = await tinyData();
    const model = tinyModel(data);
    const file = path.join(dir, 'm.ckpt');
    // Config says tf_dim 32 but the weights are tf_dim 16.
    await saveCheckpoint(file, { model, state: STATE, config: { model: { name: 'ResnetTransformer', ...TINY_MODEL, tf_dim: 32 } }, dataConfig: data.dataConfig() });
    await expect(loadRecognizerFromCheckpoint(file)).rejects.toThrow(/HTR_ERR_BAD_CHECKPOINT.*weights do not fit/);
    // Same vocabulary size, different characters: refused before any weight is assigned.
    const good = path.join(dir, 'good.ckpt');
    await saveCheckpoint(good, { model, state: STATE, config: {}, dataConfig: data.dataConfig() });
    const letters = await tinyData({ alphabet: 'abcdefghij' });
    const other = tinyModel(letters);
    const goodCkpt = await readCheckpoint(good);
    expect(() => loadModelWeights(other, goodCkpt)).toThrow(/HTR_ERR_BAD_CHECKPOINT.*vocabulary does not match.*token 4 differs/);
    other.dispose();
    model.dispose();
  });
});
