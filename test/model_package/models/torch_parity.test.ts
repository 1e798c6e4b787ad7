/**
 * Numerical parity with PyTorch: bench/torch_mirror.py rebuilds our ResnetTransformer
 * from stock torch.nn parts (Conv2d, BatchNorm2d, TransformerDecoderLayer with
 * norm_first), loads the weights from one of our checkpoints and must give the same
 * logits (eval and train mode) and the same greedy tokens. So "the model is a ResNet
 * + pre-norm transformer decoder" is checked layer for layer, not by parameter count.
 *
 * Python is found through HTR_PYTHON (default `python3`). Without torch there the test
 * is skipped with a message: torch is a benchmark tool, not a dependency.
 *   HTR_PYTHON=/tmp/torch/bin/python npx vitest run test/model_package/models/torch_parity.test.ts
 */
import * as tf from '@tensorflow/tfjs-core';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadRecognizerFromCheckpoint, saveCheckpoint, type CheckpointState } from '../../../model_package/checkpoint/checkpoint.js';
import { Rng } from '../../../model_package/core/rng.js';
import { buildMapping } from '../../../model_package/core/tokenizer.js';
import { ResnetTransformer, ResnetTransformerConfig } from '../../../model_package/models/resnet_transformer.js';
import type { Recognizer } from '../../../model_package/models/types.js';
import { useCpuBackend } from '../../helpers/tf.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const MIRROR = path.join(ROOT, 'bench', 'torch_mirror.py');
const DEMO = path.join(ROOT, 'models', 'demo', 'demo.ckpt');
const python = process.env.HTR_PYTHON ?? 'python3';
const probe = spawnSync(python, ['-c', 'import torch'], { encoding: 'utf8' });
const haveTorch = probe.status === 0;
if (!haveTorch) {
  console.warn(`torch_parity.test: SKIPPED, "${python}" cannot import torch (${(probe.error?.message ?? probe.stderr.trim().split('\n').at(-1)) || 'no output'}). ` +
    'Set HTR_PYTHON to a Python with torch, e.g. python3 -m venv /tmp/torch && /tmp/torch/bin/pip install torch; HTR_PYTHON=/tmp/torch/bin/python.');
}

interface MirrorOutput {
  shape: [number, number, number];
  eval: number[];
  train: number[];
  greedy: number[][];
}

const STATE: CheckpointState = {
  epoch: 0, globalStep: 0, resume: { epoch: 0, batch: 0 }, rngState: 0,
  scheduler: { name: 'none', step: 0 }, optimizer: null, metrics: {}, callbacks: {},
};

function maxAbsDiff(ours: tf.Tensor, theirs: readonly number[]): number {
  const d = ours.dataSync();
  expect(d.length).toBe(theirs.length);
  return theirs.reduce((m, v, i) => Math.max(m, Math.abs(v - (d[i] as number))), 0);
}

/** Random NHWC images and teacher-forcing prefixes (<S> then tokens) for `model`. */
function inputs(model: Recognizer, batch: number, rng: Rng) {
  const [c, h, w] = model.dataConfig.inputDims;
  const len = model.dataConfig.outputDims[0] - 1;
  const vocab = model.dataConfig.mapping.length;
  const xData = Float32Array.from({ length: batch * h * w * c }, () => rng.next());
  const y = Array.from({ length: batch }, () => [1, ...Array.from({ length: len - 1 }, () => rng.int(4, vocab - 1))]);
  return { xData, y, shape: [batch, h, w, c] as [number, number, number, number] };
}

/** Runs the mirror on `ckpt` and checks our logits and greedy tokens against it. */
function expectParity(model: Recognizer, ckpt: string, dir: string, rng: Rng, batch: number, opts: { trainDiffers: boolean }): void {
  const { xData, y, shape } = inputs(model, batch, rng);
  const file = path.join(dir, `input_${path.basename(ckpt)}.json`);
  writeFileSync(file, JSON.stringify({ x: { shape, data: Array.from(xData) }, y_in: y }));
  const torch = JSON.parse(execFileSync(python, [MIRROR, 'logits', ckpt, file], { encoding: 'utf8', maxBuffer: 1 << 28 })) as MirrorOutput;

  const x = tf.tensor4d(xData, shape);
  const yIn = tf.tensor2d(y.flat(), [batch, y[0]!.length], 'int32');
  model.train(false);
  const evalLogits = model.logits(x, yIn);
  expect(evalLogits.shape).toEqual(torch.shape);
  expect(maxAbsDiff(evalLogits, torch.eval)).toBeLessThan(1e-3);
  // Not a degenerate output that any two implementations would agree on.
  expect(Math.max(...torch.eval) - Math.min(...torch.eval)).toBeGreaterThan(1);
  const greedy = model.greedyDecode(x, { earlyStop: false });
  expect(greedy.arraySync()).toEqual(torch.greedy);
  model.train(true);
  const trainLogits = model.logits(x, yIn);
  expect(maxAbsDiff(trainLogits, torch.train)).toBeLessThan(1e-3);
  // Batch statistics differ from the running ones, so train mode was really exercised.
  if (opts.trainDiffers) expect(maxAbsDiff(trainLogits, torch.eval)).toBeGreaterThan(1e-2);
  model.train(false);
  tf.dispose([x, yIn, evalLogits, greedy, trainLogits]);
}

describe.skipIf(!haveTorch)('parity with the PyTorch mirror (bench/torch_mirror.py)', () => {
  let dir: string;
  beforeAll(async () => {
    await useCpuBackend();
    dir = mkdtempSync(path.join(tmpdir(), 'htr-parity-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const cases: Array<[string, Partial<ResnetTransformerConfig>]> = [
    // The default architecture at reduced widths: stem 5x5, three stride-2 stages, learned positions.
    ['the default architecture, narrower', { stem_channels: 8, stages: [{ channels: 8, stride: 2, blocks: 1 }, { channels: 16, stride: 2, blocks: 1 }, { channels: 24, stride: 2, blocks: 1 }], tf_dim: 32, tf_fc_dim: 48 }],
    // The other options the mirror maps: non-square strides, two blocks, conv bias, sinusoidal positions.
    ['[2,1] strides, two blocks, conv bias, sinusoidal positions', { stem_kernel: 3, stem_channels: 8, stages: [{ channels: 8, stride: [2, 1], blocks: 2 }, { channels: 16, stride: 2, blocks: 1 }], conv_bias: true, pos_encoding: 'sinusoidal', tf_dim: 32, tf_fc_dim: 40, tf_nhead: 2, tf_layers: 3 }],
  ];

  it.each(cases)('same weights -> same logits and greedy tokens: %s', async (_name, overrides) => {
    const config = ResnetTransformerConfig.parse({ seed: 3, ...overrides });
    const mapping = buildMapping('abcdefghijklmnop');
    const model = new ResnetTransformer(config, { inputDims: [1, 28, 64], outputDims: [8], mapping });
    // Non-trivial running statistics, so eval mode exercises them.
    const rng = new Rng(4);
    tf.tidy(() => {
      for (const [name, v] of model.namedBuffers()) {
        const vals = Float32Array.from({ length: v.size }, () => (name.endsWith('running_var') ? 0.5 + rng.next() : rng.normal() * 0.1));
        v.assign(tf.tensor(vals, v.shape));
      }
    });
    const ckpt = path.join(dir, `case_${cases.findIndex(([n]) => n === _name)}.ckpt`);
    await saveCheckpoint(ckpt, { model, state: STATE, config: { model: { name: 'ResnetTransformer', ...config } }, dataConfig: model.dataConfig });
    expectParity(model, ckpt, dir, rng, 2, { trainDiffers: true });
    model.dispose();
  });

  it('the bundled demo model (trained weights, read from models/demo/demo.ckpt by both sides)', async () => {
    const model = await loadRecognizerFromCheckpoint(DEMO);
    expectParity(model, DEMO, dir, new Rng(5), 2, { trainDiffers: true });
    model.dispose();
  });
});
