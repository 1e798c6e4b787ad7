/**
 * Numerical parity with PyTorch: bench/torch_mirror.py rebuilds our ResnetTransformer
 * from stock torch.nn parts (Conv2d, BatchNorm2d, TransformerDecoderLayer with
 * norm_first), loads the weights from one of our checkpoints and must give the same
 * logits (eval and train mode) and the same greedy tokens. So "the model is a ResNet
 * + pre-norm transformer decoder" is checked layer for layer, not by parameter count.
 * A model with a CTC head (ctc_weight > 0) must also give the same CTC logits (eval
 * and train mode; the mirror's branch is TransformerEncoderLayer with norm_first, a
 * final LayerNorm and a Linear) and the same ctc_greedy tokens.
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
import { decode } from '../../../model_package/models/decoding/index.js';
import { preprocessLineImage } from '../../../model_package/preprocess/index.js';
import { ResnetTransformer, ResnetTransformerConfig } from '../../../model_package/models/resnet_transformer.js';
import type { Recognizer } from '../../../model_package/models/types.js';
import { useCpuBackend } from '../../helpers/tf.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const MIRROR = path.join(ROOT, 'bench', 'torch_mirror.py');
const DEMO = path.join(ROOT, 'models', 'demo', 'demo.ckpt');
const SAMPLE_LINE = path.join(ROOT, 'models', 'demo', 'sample_line.png');
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
  /** Only for a model with a CTC head. */
  ctc_shape?: [number, number, number];
  ctc_eval?: number[];
  ctc_train?: number[];
  ctc_greedy?: number[][];
}

interface ParityOptions {
  /** Train mode must differ from eval mode (BatchNorm batch statistics really used). */
  readonly trainDiffers: boolean;
  /** Image width; default the model's input width. */
  readonly width?: number;
  /** Row 0 of the batch (its width is the batch's); the other rows are noise. */
  readonly image?: { readonly data: Float32Array; readonly width: number };
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

/** Random NHWC images (`width` wide) and teacher-forcing prefixes (<S> then tokens) for `model`. */
function inputs(model: Recognizer, batch: number, rng: Rng, opts: ParityOptions) {
  const [c, h] = model.dataConfig.inputDims;
  const w = opts.image?.width ?? opts.width ?? model.dataConfig.inputDims[2];
  const len = model.dataConfig.outputDims[0] - 1;
  const vocab = model.dataConfig.mapping.length;
  const xData = Float32Array.from({ length: batch * h * w * c }, () => rng.next());
  if (opts.image) xData.set(opts.image.data);
  const y = Array.from({ length: batch }, () => [1, ...Array.from({ length: len - 1 }, () => rng.int(4, vocab - 1))]);
  return { xData, y, shape: [batch, h, w, c] as [number, number, number, number] };
}

/** Runs the mirror on `ckpt` and checks our logits and greedy tokens (CTC ones too, with a head) against it. */
async function expectParity(model: Recognizer, ckpt: string, dir: string, rng: Rng, batch: number, opts: ParityOptions): Promise<void> {
  const { xData, y, shape } = inputs(model, batch, rng, opts);
  const file = path.join(dir, `input_${path.basename(ckpt)}.json`);
  writeFileSync(file, JSON.stringify({ x: { shape, data: Array.from(xData) }, y_in: y }));
  const torch = JSON.parse(execFileSync(python, [MIRROR, 'logits', ckpt, file], { encoding: 'utf8', maxBuffer: 1 << 28 })) as MirrorOutput;

  const x = tf.tensor4d(xData, shape);
  const yIn = tf.tensor2d(y.flat(), [batch, y[0]!.length], 'int32');
  const ctc = (model.ctcWeight ?? 0) > 0;
  if (ctc) expect(torch.ctc_eval, 'the mirror built no CTC head').toBeDefined();
  else expect(torch.ctc_eval, 'the mirror built a CTC head the model does not have').toBeUndefined();
  // Train mode updates the running statistics (as PyTorch's does), so eval mode comes
  // first and the statistics are put back after: a later check sees the checkpoint's.
  const running = model.namedBuffers().map(([, v]) => [v, tf.clone(v)] as const);
  try {
    model.train(false);
    tf.tidy(() => {
      const logits = model.logits(x, yIn);
      expect(logits.shape).toEqual(torch.shape);
      expect(maxAbsDiff(logits, torch.eval)).toBeLessThan(1e-3);
      // Not a degenerate output that any two implementations would agree on.
      expect(Math.max(...torch.eval) - Math.min(...torch.eval)).toBeGreaterThan(1);
      expect(model.greedyDecode(x, { earlyStop: false }).arraySync()).toEqual(torch.greedy);
    });
    if (ctc) await expectCtcEval(model, x, torch);
    model.train(true);
    tf.tidy(() => {
      const logits = model.logits(x, yIn);
      expect(maxAbsDiff(logits, torch.train)).toBeLessThan(1e-3);
      // Batch statistics differ from the running ones, so train mode was really exercised.
      if (opts.trainDiffers) expect(maxAbsDiff(logits, torch.eval)).toBeGreaterThan(1e-2);
      if (!ctc) return;
      const ctcLogits = model.ctcLogits!(x);
      expect(maxAbsDiff(ctcLogits, torch.ctc_train!)).toBeLessThan(1e-3);
      if (opts.trainDiffers) expect(maxAbsDiff(ctcLogits, torch.ctc_eval!)).toBeGreaterThan(1e-2);
    });
  } finally {
    model.train(false);
    for (const [v, saved] of running) v.assign(saved);
    tf.dispose([x, yIn, ...running.map(([, saved]) => saved)]);
  }
}

/** Eval-mode CTC logits [B, W', V] and the ctc_greedy decode against the mirror's. */
async function expectCtcEval(model: Recognizer, x: tf.Tensor4D, torch: MirrorOutput): Promise<void> {
  tf.tidy(() => {
    const logits = model.ctcLogits!(x);
    expect(logits.shape).toEqual(torch.ctc_shape);
    expect(logits.shape[1]).toBe(model.ctcFrames!(x.shape[2]));
    expect(maxAbsDiff(logits, torch.ctc_eval!)).toBeLessThan(1e-3);
    expect(Math.max(...torch.ctc_eval!) - Math.min(...torch.ctc_eval!)).toBeGreaterThan(1);
  });
  const hyps = await decode(model, x, 'ctc_greedy', { beamWidth: 1 });
  expect(hyps.map((h) => h.tokens)).toEqual(torch.ctc_greedy);
  // Not the empty transcription that any two blank-only heads would agree on.
  expect(torch.ctc_greedy!.some((t) => t.length > 0)).toBe(true);
}

describe.skipIf(!haveTorch)('parity with the PyTorch mirror (bench/torch_mirror.py)', () => {
  let dir: string;
  beforeAll(async () => {
    await useCpuBackend();
    dir = mkdtempSync(path.join(tmpdir(), 'htr-parity-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const NARROW: Partial<ResnetTransformerConfig> = { stem_channels: 8, stages: [{ channels: 8, stride: 2, blocks: 1 }, { channels: 16, stride: 2, blocks: 1 }, { channels: 24, stride: 2, blocks: 1 }], tf_dim: 32, tf_fc_dim: 48 };
  const cases: Array<[string, Partial<ResnetTransformerConfig>]> = [
    // The default architecture at reduced widths: stem 5x5, three stride-2 stages, learned positions.
    ['the default architecture, narrower', NARROW],
    // The other options the mirror maps: non-square strides, two blocks, conv bias, sinusoidal positions.
    ['[2,1] strides, two blocks, conv bias, sinusoidal positions', { stem_kernel: 3, stem_channels: 8, stages: [{ channels: 8, stride: [2, 1], blocks: 2 }, { channels: 16, stride: 2, blocks: 1 }], conv_bias: true, pos_encoding: 'sinusoidal', tf_dim: 32, tf_fc_dim: 40, tf_nhead: 2, tf_layers: 3 }],
    // The CTC branch: height-averaged columns -> 0, 1 or 2 pre-norm encoder layers (+ final LayerNorm) -> linear head.
    ['CTC head after one context layer', { ...NARROW, ctc_weight: 0.5, ctc_context_layers: 1 }],
    ['CTC head on the columns directly (no context layers), [2,1] last stride', { ...NARROW, stages: [{ channels: 8, stride: 2, blocks: 1 }, { channels: 16, stride: [2, 1], blocks: 1 }], ctc_weight: 0.3, ctc_context_layers: 0 }],
    ['CTC head after two context layers, two heads, sinusoidal positions', { ...NARROW, pos_encoding: 'sinusoidal', tf_nhead: 2, tf_fc_dim: 40, ctc_weight: 0.7, ctc_context_layers: 2 }],
    // The main job's variants: a strided stem, and the decoder attending to the CTC columns.
    ['stem stride 2, decoder attending to the CTC columns', { ...NARROW, stem_stride: 2, stages: [{ channels: 8, stride: 1, blocks: 1 }, { channels: 16, stride: 2, blocks: 1 }, { channels: 24, stride: [2, 1], blocks: 1 }], ctc_weight: 0.5, decoder_memory: 'columns' }],
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
    await expectParity(model, ckpt, dir, rng, 2, { trainDiffers: true });
    model.dispose();
  });

  // The demo model reads 32 px lines at their natural width (up to its input width, 1024): narrower inputs.
  it('the bundled demo model (trained CTC head, models/demo/demo.ckpt) on 32x200 noise', async () => {
    const model = await loadRecognizerFromCheckpoint(DEMO);
    expect(model.ctcWeight).toBeGreaterThan(0);
    expect(model.dataConfig.inputDims[2]).not.toBe(200);
    await expectParity(model, DEMO, dir, new Rng(6), 2, { trainDiffers: true, width: 200 });
    model.dispose();
  });

  it('the bundled demo model on the sample line (models/demo/sample_line.png) at its natural width', async () => {
    const model = await loadRecognizerFromCheckpoint(DEMO);
    const [, height, width] = model.dataConfig.inputDims;
    const line = await preprocessLineImage(SAMPLE_LINE, { height, width });
    expect(line.width).not.toBe(width);
    await expectParity(model, DEMO, dir, new Rng(7), 2, { trainDiffers: true, image: line });
    model.dispose();
  });
});
