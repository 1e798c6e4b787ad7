/** Fine-tuning start: weights by name, vocabulary rows by character, positions by overlap. */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { readCheckpoint, saveCheckpoint } from '../../../model_package/checkpoint/checkpoint.js';
import { describeInitFrom, initFromCheckpoint } from '../../../model_package/checkpoint/init_from.js';
import { ResnetTransformer, ResnetTransformerConfig } from '../../../model_package/models/resnet_transformer.js';
import { buildMapping } from '../../../model_package/core/tokenizer.js';
import type { DataConfig } from '../../../model_package/core/data_types.js';
import { expectNoTensorLeak, snapshot, useCpuBackend } from '../../helpers/tf.js';
import { TINY_MODEL } from '../../helpers/tiny_run.js';

beforeAll(useCpuBackend);

const OLD: DataConfig = { inputDims: [1, 16, 64], outputDims: [10], mapping: buildMapping('abcxyz') };
// Shares a, b, c; drops x, y, z; adds d, e; longer labels.
const NEW: DataConfig = { inputDims: [1, 16, 64], outputDims: [14], mapping: buildMapping('cbade') };

function model(data: DataConfig, seed: number): ResnetTransformer {
  return new ResnetTransformer(ResnetTransformerConfig.parse({ ...TINY_MODEL, ctc_weight: 0.5, seed }), data);
}

describe('initFromCheckpoint', () => {
  it('keeps shared characters\' rows, fresh rows for new ones, overlapping positions, and every other weight', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'htr-init-from-'));
    const source = model(OLD, 1);
    const file = path.join(dir, 'pre.ckpt');
    await saveCheckpoint(file, {
      model: source,
      state: { epoch: 0, globalStep: 0, resume: { epoch: 0, batch: 0 }, rngState: 0, scheduler: { name: 'none', step: 0 }, optimizer: null, metrics: {}, callbacks: {} },
      config: { model: { name: 'ResnetTransformer' } },
      dataConfig: OLD,
    });
    const ckpt = await readCheckpoint(file);
    const target = model(NEW, 2);
    const freshWeights = snapshot(target);
    const report = await expectNoTensorLeak(() => initFromCheckpoint(target, ckpt), 'initFromCheckpoint');
    const before = snapshot(source);
    const after = snapshot(target);

    expect(report.added).toEqual(['d', 'e']);
    expect(report.dropped).toEqual(['x', 'y', 'z']);
    expect(report.fresh).toEqual([]);
    expect(report.resized).toEqual(expect.arrayContaining(['token_emb.weight', 'head.weight', 'head.bias', 'ctc_head.weight', 'ctc_head.bias', 'text_pos.pos.weight']));
    expect(describeInitFrom(report)).toMatch(/2 added \("d" "e"\), 3 dropped/);

    const dim = TINY_MODEL.tf_dim;
    const row = (m: Map<string, Float32Array>, name: string, i: number) => Array.from((m.get(name) as Float32Array).subarray(i * dim, (i + 1) * dim));
    const oldIdx = (t: string) => OLD.mapping.indexOf(t);
    NEW.mapping.forEach((t, i) => {
      const expected = oldIdx(t) >= 0 ? row(before, 'token_emb.weight', oldIdx(t)) : row(freshWeights, 'token_emb.weight', i);
      expect(row(after, 'token_emb.weight', i)).toEqual(expected);
      // Head bias: one value per token, mapped the same way.
      const bias = oldIdx(t) >= 0 ? before.get('head.bias')![oldIdx(t)] : freshWeights.get('head.bias')![i];
      expect(after.get('head.bias')![i]).toBe(bias);
    });
    // Text positions: the first 10 rows come from the checkpoint, rows 10..13 stay fresh.
    expect(row(after, 'text_pos.pos.weight', 9)).toEqual(row(before, 'text_pos.pos.weight', 9));
    expect(row(after, 'text_pos.pos.weight', 12)).toEqual(row(freshWeights, 'text_pos.pos.weight', 12));
    // Vocabulary-free weights are copied whole.
    const special = new Set([...Object.keys(target.vocabAxes()), 'text_pos.pos.weight']);
    const plain = [...before.keys()].filter((n) => !special.has(n));
    expect(plain.length).toBeGreaterThan(20);
    for (const name of plain) expect(Array.from(after.get(name)!), name).toEqual(Array.from(before.get(name)!));
    source.dispose();
    target.dispose();
  });
});
