/** Joint CTC + attention loss: the weighted sum, gradients into both heads, infeasible labels counted. */
import '../../../model_package/backend/register_gradients.js';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { ResnetTransformer, ResnetTransformerConfig } from '../../../model_package/models/resnet_transformer.js';
import { buildMapping, Tokenizer } from '../../../model_package/core/tokenizer.js';
import type { Batch, DataConfig } from '../../../model_package/core/data_types.js';
import { crossEntropy, ctcTargets, shiftLabels, trainingLoss, type LossStats } from '../../../model_package/training/loss.js';
import { ctcLoss } from '../../../model_package/training/ctc_loss.js';
import { batchTensors, usedLabelColumns } from '../../../model_package/training/batch_plan.js';
import { expectNoTensorLeak, useCpuBackend } from '../../helpers/tf.js';

beforeAll(useCpuBackend);

const DATA: DataConfig = { inputDims: [1, 16, 64], outputDims: [8], mapping: buildMapping('abcde') };
const SMALL = { stem_kernel: 3, stem_channels: 4, tf_dim: 16, tf_fc_dim: 32, tf_nhead: 2, tf_layers: 1, stages: [{ channels: 8, stride: 2 }, { channels: 16, stride: [2, 1] }] };

function batch(texts: string[], widths: number[]): Batch {
  const tok = new Tokenizer(DATA.mapping);
  const [, h, w] = DATA.inputDims;
  const x = new Float32Array(texts.length * h * w);
  for (let i = 0; i < x.length; i++) x[i] = ((i * 7919) % 97) / 97;
  const y = new Int32Array(texts.length * 8);
  texts.forEach((t, i) => y.set(tok.encode(t, 8), i * 8));
  return { x, y, batchSize: texts.length, height: h, width: w, widths: Int32Array.from(widths), seqLength: 8, texts, ids: texts };
}

describe('trainingLoss with a CTC head', () => {
  const model = new ResnetTransformer(ResnetTransformerConfig.parse({ ...SMALL, ctc_weight: 0.25, seed: 4 }), DATA);
  model.train(false);

  it('is 0.25·CTC + 0.75·CE, with CTC frames from each image\'s own width', () => {
    const b = batch(['abc', 'dd'], [64, 40]);
    const ctc = ctcTargets(model, b);
    expect(Array.from(ctc.frames)).toEqual([32, 20]);
    expect(ctc.labels.map((l) => Array.from(l))).toEqual([[4, 5, 6], [7, 7]]);
    const { x, y } = batchTensors(b);
    const got = tf.tidy(() => trainingLoss(model, x, y, ctc, { ignorePad: false }).dataSync()[0] as number);
    const want = tf.tidy(() => {
      const { yIn, yOut } = shiftLabels(y);
      const ce = crossEntropy(model.logits(x, yIn), yOut, { ignorePad: false });
      const c = ctcLoss(model.ctcLogits(x), ctc.frames, ctc.labels).loss;
      return (0.25 * (c.dataSync()[0] as number)) + 0.75 * (ce.dataSync()[0] as number);
    });
    expect(got).toBeCloseTo(want, 5);
    tf.dispose([x, y]);
  });

  it('sends gradient into the CTC head and the encoder, and leaks no tensor', async () => {
    const b = batch(['abc', 'e'], [64, 64]);
    const ctc = ctcTargets(model, b);
    const { x, y } = batchTensors(b);
    const named = model.namedParameters();
    const norms = await expectNoTensorLeak(() => {
      const { value, grads } = tf.variableGrads(() => trainingLoss(model, x, y, ctc, { ignorePad: false }), named.map(([, v]) => v));
      const byName = new Map(named.map(([n, v]) => [n, tf.tidy(() => tf.norm(grads[v.name]!).dataSync()[0] as number)]));
      value.dispose();
      tf.dispose(Object.values(grads));
      return byName;
    }, 'joint loss gradient');
    expect(norms.get('ctc_head.weight')).toBeGreaterThan(0);
    expect(norms.get('head.weight')).toBeGreaterThan(0);
    expect(norms.get('encoder.stem_conv.weight')).toBeGreaterThan(0);
    tf.dispose([x, y]);
  });

  it('counts a label too long for its frames and lets it add nothing', () => {
    const b = batch(['abcde', 'ab'], [8, 64]); // 8 px -> 4 frames < 5 labels
    const stats: LossStats = { ctcInfeasible: 0 };
    const { x, y } = batchTensors(b);
    const v = tf.tidy(() => trainingLoss(model, x, y, ctcTargets(model, b), { ignorePad: false }, stats).dataSync()[0] as number);
    expect(stats.ctcInfeasible).toBe(1);
    expect(Number.isFinite(v)).toBe(true);
    tf.dispose([x, y]);
  });
});

describe('batchTensors with trimPadding', () => {
  const model = new ResnetTransformer(ResnetTransformerConfig.parse({ ...SMALL, ctc_weight: 0.5, seed: 9 }), DATA);
  model.train(false);

  it('cuts labels after the longest one and leaves the padding-free loss and its gradients unchanged', () => {
    const b = batch(['ab', 'c'], [64, 48]);
    expect(usedLabelColumns(b)).toBe(4); // <S> a b <E>
    const named = model.namedParameters();
    const run = (trimPadding: boolean) => {
      const { x, y } = batchTensors(b, { trimPadding });
      const width = y.shape[1];
      const { value, grads } = tf.variableGrads(() => trainingLoss(model, x, y, ctcTargets(model, b), { ignorePad: true }), named.map(([, v]) => v));
      const out = { width, loss: value.dataSync()[0] as number, grads: named.map(([, v]) => Array.from(grads[v.name]!.dataSync())) };
      tf.dispose([x, y, value, ...Object.values(grads)]);
      return out;
    };
    const full = run(false);
    const trimmed = run(true);
    expect([full.width, trimmed.width]).toEqual([8, 4]);
    expect(trimmed.loss).toBeCloseTo(full.loss, 5);
    trimmed.grads.forEach((g, i) => g.forEach((v, j) => expect(v).toBeCloseTo(full.grads[i]![j]!, 5)));
  });
});
