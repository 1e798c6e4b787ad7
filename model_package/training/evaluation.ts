/**
 * One validation / test pass: teacher-forced loss plus CER and WER measured on real
 * autoregressive greedy decoding (`model.greedyDecode`), never on teacher-forced
 * argmax, which flatters the model. Runs in eval mode and restores the mode after.
 */
import * as tf from '@tensorflow/tfjs-core';
import { Tokenizer } from '../core/tokenizer.js';
import type { Batch, GrayImage } from '../core/data_types.js';
import type { PredictionRow } from '../loggers/types.js';
import type { Recognizer } from '../models/types.js';
import { CharErrorRate, WordErrorRate, cer } from '../metrics/error_rate.js';
import { batchTensors } from './batch_plan.js';
import { ctcTargets, trainingLoss } from './loss.js';
import { decode, resolveDecoding, type Decoding } from '../models/decoding/index.js';
import type { LmFusion } from '../lm/fusion.js';

export interface EvalOptions {
  /** Metric name prefix: "val" or "test". */
  readonly prefix: string;
  readonly ignorePad: boolean;
  /** How CER/WER transcriptions are decoded (default auto: ctc_greedy with a CTC head, else greedy). */
  readonly decoding?: Decoding;
  /** Beams per line for beam modes. */
  readonly beamWidth?: number;
  /** CTC share of the joint decode score (default: the mode's own). */
  readonly jointCtcWeight?: number;
  /** A character language model fused into the CTC beam modes. */
  readonly lm?: LmFusion;
  /** Decoded rows to return for tables. */
  readonly numPredictions: number;
  /** Called after each batch (progress display, Ctrl-C checks). */
  readonly onBatchEnd?: (batchIndex: number) => void | Promise<void>;
}

export interface EvalResult {
  readonly metrics: Record<string, number>;
  readonly predictions: PredictionRow[];
}

export async function evaluate(model: Recognizer, batches: AsyncIterable<Batch>, opts: EvalOptions): Promise<EvalResult> {
  const wasTraining = model.training;
  model.train(false);
  const tokenizer = new Tokenizer(model.dataConfig.mapping);
  const cerMetric = new CharErrorRate();
  const werMetric = new WordErrorRate();
  const predictions: PredictionRow[] = [];
  let lossSum = 0;
  let samples = 0;
  let index = 0;
  try {
    for await (const batch of batches) {
      const { loss, texts } = await decodeBatch(model, batch, tokenizer, opts);
      lossSum += loss * batch.batchSize;
      samples += batch.batchSize;
      cerMetric.update(texts, batch.texts);
      werMetric.update(texts, batch.texts);
      for (let i = 0; i < batch.batchSize && predictions.length < opts.numPredictions; i++) {
        predictions.push(predictionRow(batch, i, texts[i] as string));
      }
      await opts.onBatchEnd?.(index++);
    }
  } finally {
    model.train(wasTraining);
  }
  const p = opts.prefix;
  const metrics: Record<string, number> = samples === 0 ? {} : {
    [`${p}/loss`]: lossSum / samples,
    [`${p}/cer`]: cerMetric.compute(),
    [`${p}/wer`]: werMetric.compute(),
  };
  return { metrics, predictions };
}

/** Greedy transcriptions of a batch with the current weights (eval mode, restored after). */
export function predictRows(model: Recognizer, batch: Batch): PredictionRow[] {
  const wasTraining = model.training;
  model.train(false);
  try {
    const texts = greedyTexts(model, batch, new Tokenizer(model.dataConfig.mapping));
    return texts.map((t, i) => predictionRow(batch, i, t));
  } finally {
    model.train(wasTraining);
  }
}

async function decodeBatch(model: Recognizer, batch: Batch, tokenizer: Tokenizer, opts: EvalOptions): Promise<{ loss: number; texts: string[] }> {
  const { x, y } = batchTensors(batch, { trimPadding: opts.ignorePad });
  try {
    const ctc = (model.ctcWeight ?? 0) > 0 ? ctcTargets(model, batch) : undefined;
    const lossT = trainingLoss(model, x, y, ctc, { ignorePad: opts.ignorePad });
    const loss = lossT.dataSync()[0] as number;
    lossT.dispose();
    const mode = resolveDecoding(model, opts.decoding ?? 'auto');
    // Attention greedy keeps its id-only path (no per-token probabilities needed here).
    if (mode === 'greedy') return { loss, texts: idsToTexts(model.greedyDecode(x), tokenizer) };
    const hyps = await decode(model, x, mode, {
      beamWidth: opts.beamWidth ?? 5,
      widths: Array.from(batch.widths),
      ...(opts.jointCtcWeight !== undefined ? { jointCtcWeight: opts.jointCtcWeight } : {}),
      ...(opts.lm ? { lm: opts.lm } : {}),
    });
    return { loss, texts: hyps.map((h) => tokenizer.decode(h.tokens)) };
  } finally {
    x.dispose();
    y.dispose();
  }
}

function greedyTexts(model: Recognizer, batch: Batch, tokenizer: Tokenizer): string[] {
  const { x, y } = batchTensors(batch);
  y.dispose();
  try {
    return idsToTexts(model.greedyDecode(x), tokenizer);
  } finally {
    x.dispose();
  }
}

/** Decodes and disposes `ids` [B, L]. */
function idsToTexts(ids: tf.Tensor2D, tokenizer: Tokenizer): string[] {
  const [b, l] = ids.shape;
  const flat = ids.dataSync();
  ids.dispose();
  return Array.from({ length: b }, (_, i) => tokenizer.decode(flat.subarray(i * l, (i + 1) * l)));
}

function predictionRow(batch: Batch, i: number, prediction: string): PredictionRow {
  const size = batch.height * batch.width;
  const image: GrayImage = { data: batch.x.slice(i * size, (i + 1) * size), height: batch.height, width: batch.width };
  const groundTruth = batch.texts[i] as string;
  return { id: batch.ids[i] as string, image, groundTruth, prediction, cer: cer(prediction, groundTruth) };
}
