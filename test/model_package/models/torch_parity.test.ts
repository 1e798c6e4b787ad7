/**
 * Numerical parity with the PyTorch reference (../shared/bench/torch_reference.py):
 * the same weights give the same logits, so "the default model equals the
 * reference" is checked layer for layer, not just by parameter count.
 * Needs a Python with torch: HTR_TORCH_PYTHON, or /tmp/torch/bin/python (the venv the
 * shared README sets up). Skipped without one (torch is a benchmark tool, not a dependency).
 */
import * as tf from '@tensorflow/tfjs-core';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useCpuBackend } from '../../helpers/tf.js';
import { buildMapping } from '../../../model_package/core/tokenizer.js';
import { ResnetTransformer, ResnetTransformerConfig } from '../../../model_package/models/resnet_transformer.js';
import { Rng } from '../../../model_package/core/rng.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const reference = path.resolve(here, '../../../../shared/bench/torch_reference.py');
const python = process.env.HTR_TORCH_PYTHON ?? '/tmp/torch/bin/python';
const available = existsSync(python) && existsSync(reference);

type Exported = Record<string, { shape: number[]; data: number[] }>;

/** Our state dict under the reference's parameter names and layouts (NCHW conv weights, [out, in] linears). */
function toTorchState(model: ResnetTransformer, stages: number, layers: number): Exported {
  const ours = new Map([...model.namedParameters(), ...model.namedBuffers()]);
  const out: Exported = {};
  const get = (name: string): tf.Tensor => {
    const t = ours.get(name);
    if (!t) throw new Error(`no parameter ${name}`);
    return t;
  };
  const put = (name: string, t: tf.Tensor): void => {
    out[name] = { shape: t.shape, data: Array.from(t.dataSync()) };
  };
  const conv = (to: string, from: string): void => put(to, tf.transpose(get(from), [3, 2, 0, 1]));
  const bn = (to: string, from: string): void => {
    for (const [a, b] of [['weight', 'weight'], ['bias', 'bias'], ['running_mean', 'running_mean'], ['running_var', 'running_var']]) {
      put(`${to}.${a}`, get(`${from}.${b}`));
    }
  };
  const linear = (to: string, from: string): void => {
    put(`${to}.weight`, tf.transpose(get(`${from}.weight`)));
    put(`${to}.bias`, get(`${from}.bias`));
  };
  tf.tidy(() => {
    conv('encoder.0.weight', 'encoder.stem_conv.weight');
    bn('encoder.1', 'encoder.stem_bn');
    for (let s = 0; s < stages; s++) {
      const to = `encoder.${3 + s}`;
      const from = `encoder.stage${s}.block0`;
      conv(`${to}.conv1.weight`, `${from}.conv1.weight`);
      bn(`${to}.bn1`, `${from}.bn1`);
      conv(`${to}.conv2.weight`, `${from}.conv2.weight`);
      bn(`${to}.bn2`, `${from}.bn2`);
      conv(`${to}.skip.0.weight`, `${from}.skip_conv.weight`);
      bn(`${to}.skip.1`, `${from}.skip_bn`);
    }
    conv('proj.weight', 'proj.weight');
    put('proj.bias', get('proj.bias'));
    put('row_pos.weight', get('image_pos.row.weight'));
    put('col_pos.weight', get('image_pos.col.weight'));
    put('tok.weight', get('token_emb.weight'));
    put('tok_pos.weight', get('text_pos.pos.weight'));
    for (let l = 0; l < layers; l++) {
      const to = `decoder.layers.${l}`;
      const from = `decoder.layers.${l}`;
      put(`${to}.self_attn.in_proj_weight`, tf.transpose(get(`${from}.self_attn.qkv.weight`)));
      put(`${to}.self_attn.in_proj_bias`, get(`${from}.self_attn.qkv.bias`));
      linear(`${to}.self_attn.out_proj`, `${from}.self_attn.out`);
      put(`${to}.multihead_attn.in_proj_weight`, tf.transpose(tf.concat([get(`${from}.cross_attn.q.weight`), get(`${from}.cross_attn.kv.weight`)], 1)));
      put(`${to}.multihead_attn.in_proj_bias`, tf.concat([get(`${from}.cross_attn.q.bias`), get(`${from}.cross_attn.kv.bias`)]));
      linear(`${to}.multihead_attn.out_proj`, `${from}.cross_attn.out`);
      linear(`${to}.linear1`, `${from}.ff1`);
      linear(`${to}.linear2`, `${from}.ff2`);
      for (const n of ['norm1', 'norm2', 'norm3']) {
        put(`${to}.${n}.weight`, get(`${from}.${n}.weight`));
        put(`${to}.${n}.bias`, get(`${from}.${n}.bias`));
      }
    }
    put('decoder.norm.weight', get('decoder.norm.weight'));
    put('decoder.norm.bias', get('decoder.norm.bias'));
    linear('head', 'head');
  });
  return out;
}

describe.skipIf(!available)('parity with the PyTorch reference', () => {
  let dir: string;
  beforeAll(async () => {
    await useCpuBackend();
    dir = mkdtempSync(path.join(tmpdir(), 'htr-parity-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('same weights -> same logits (eval and train mode) and the same greedy tokens', () => {
    const [b, h, w, vocab, maxLen] = [2, 28, 64, 20, 8];
    const mapping = buildMapping('abcdefghijklmnop');
    expect(mapping).toHaveLength(vocab);
    // The default architecture at reduced widths (the full default moves 0.9M numbers through JSON).
    const config = ResnetTransformerConfig.parse({
      seed: 3,
      stem_channels: 8,
      stages: [{ channels: 8 }, { channels: 16 }, { channels: 24 }],
      tf_dim: 32,
      tf_fc_dim: 48,
    });
    const model = new ResnetTransformer(config, { inputDims: [1, h, w], outputDims: [maxLen], mapping });
    // Non-trivial running statistics, so eval mode exercises them.
    const rng = new Rng(4);
    tf.tidy(() => {
      for (const [name, v] of model.namedBuffers()) {
        const vals = new Float32Array(v.size).map(() => (name.endsWith('running_var') ? 0.5 + rng.next() : rng.normal() * 0.1));
        v.assign(tf.tensor(vals, v.shape));
      }
    });
    const xData = new Float32Array(b * h * w).map(() => rng.next());
    const y = Array.from({ length: b }, () => [1, ...Array.from({ length: maxLen - 2 }, () => rng.int(4, vocab - 1))]);
    const input = {
      args: { channels: '8,16,24', strides: '2,2,2', blocks: 1, d_model: 32, heads: 4, layers: 2, ff: 48, vocab, max_len: maxLen },
      state: toTorchState(model, 3, 2),
      x: { shape: [b, 1, h, w], data: Array.from(xData) },
      y,
    };
    const file = path.join(dir, 'input.json');
    writeFileSync(file, JSON.stringify(input));
    const torchOut = JSON.parse(execFileSync(python, [path.join(here, 'torch_parity.py'), reference, file], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] })) as
      { eval: number[]; train: number[]; greedy: number[][]; error?: string };
    expect(torchOut.error).toBeUndefined();

    const x = tf.tensor4d(xData, [b, h, w, 1]);
    const yIn = tf.tensor2d(y.flat(), [b, maxLen - 1], 'int32');
    const compare = (ours: tf.Tensor, theirs: number[]): number => {
      const d = ours.dataSync();
      return theirs.reduce((m, v, i) => Math.max(m, Math.abs(v - (d[i] as number))), 0);
    };
    model.train(false);
    const evalLogits = model.logits(x, yIn);
    expect(compare(evalLogits, torchOut.eval)).toBeLessThan(1e-3);
    expect(Math.max(...torchOut.eval) - Math.min(...torchOut.eval)).toBeGreaterThan(1); // not a degenerate output
    const greedy = model.greedyDecode(x, { earlyStop: false });
    // The reference stops at the first all-<E> step and does not pad; compare up to each row's <E>.
    const ours = greedy.arraySync();
    torchOut.greedy.forEach((row, i) => {
      const end = row.indexOf(2);
      const upto = end < 0 ? row.length : end + 1;
      expect(ours[i]!.slice(0, upto)).toEqual(row.slice(0, upto));
    });
    model.train(true);
    const trainLogits = model.logits(x, yIn);
    expect(compare(trainLogits, torchOut.train)).toBeLessThan(1e-3);
    expect(compare(trainLogits, torchOut.eval)).toBeGreaterThan(1e-2); // batch statistics differ from running ones
    tf.dispose([x, yIn, evalLogits, greedy, trainLogits]);
    model.dispose();
  });
});
