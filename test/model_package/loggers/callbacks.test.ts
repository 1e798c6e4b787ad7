import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Batch } from '../../../model_package/core/data_types.js';
import { ModelSummaryCallback, modelSize } from '../../../model_package/loggers/callbacks/model_summary.js';
import { OVERFIT_TABLE, OverfitBatchTableCallback } from '../../../model_package/loggers/callbacks/overfit_batch_table.js';
import type { Logger, PredictionRow } from '../../../model_package/loggers/types.js';
import type { Module } from '../../../model_package/models/types.js';
import type { TrainerView } from '../../../model_package/training/callback.js';
import { strokeImage } from './synthetic_run.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

/** Records what reaches a logger. */
class RecordingLogger implements Logger {
  tables: Array<{ name: string; rows: readonly PredictionRow[]; step: number }> = [];
  metrics: Array<{ metrics: Readonly<Record<string, number>>; step: number }> = [];
  logConfig(): void {}
  logMetrics(metrics: Readonly<Record<string, number>>, step: number): void {
    this.metrics.push({ metrics, step });
  }
  logTable(name: string, rows: readonly PredictionRow[], step: number): void {
    this.tables.push({ name, rows, step });
  }
  finish(): void {}
}

function view(extra: Partial<TrainerView> = {}): TrainerView {
  return { epoch: 0, globalStep: 7, stepsPerEpoch: 1, totalSteps: 10, lr: 1e-3, metrics: {}, runDir: undefined, shouldStop: false, ...extra };
}

function batch(texts: string[], idPrefix = 's'): Batch {
  const h = 28;
  const w = 160;
  const x = new Float32Array(texts.length * h * w);
  texts.forEach((t, i) => x.set(strokeImage(t, h, w).data, i * h * w));
  return { x, y: new Int32Array(texts.length * 4), batchSize: texts.length, height: h, width: w, widths: new Int32Array(texts.length).fill(w), seqLength: 4, texts, ids: texts.map((_, i) => `${idPrefix}${i}`) };
}

const row = (id: string, gt: string, pred: string, cer: number): PredictionRow => ({ id, image: strokeImage(gt), groundTruth: gt, prediction: pred, cer });

describe('OverfitBatchTableCallback', () => {
  it('shows the captured training batch, reusing validation rows when validation decoded those samples', async () => {
    const l = new RecordingLogger();
    const cb = new OverfitBatchTableCallback([l], 1);
    const b0 = batch(['hello', 'world']);
    cb.onTrainBatchEnd(view(), { batch: b0, batchIndex: 0 });
    cb.onTrainBatchEnd(view(), { batch: batch(['other'], 'o'), batchIndex: 1 }); // beyond overfit_batches: ignored
    const val = [row('s1', 'world', 'word', 0.2), row('s0', 'hello', 'hello', 0)];
    await cb.onValidationEnd(view({ predictBatch: () => Promise.reject(new Error('must not decode again')) }), { predictions: val });
    expect(l.tables).toHaveLength(1);
    expect(l.tables[0]?.name).toBe(OVERFIT_TABLE);
    expect(l.tables[0]?.rows.map((r) => [r.id, r.prediction])).toEqual([['s0', 'hello'], ['s1', 'word']]);
  });

  it('asks the Trainer to decode the batch when validation saw other samples', async () => {
    const l = new RecordingLogger();
    const cb = new OverfitBatchTableCallback([l], 1);
    const b0 = batch(['abc']);
    cb.onTrainBatchEnd(view(), { batch: b0, batchIndex: 0 });
    const seen: Batch[] = [];
    const predictBatch = async (b: Batch) => {
      seen.push(b);
      return b.texts.map((t, i) => row(b.ids[i] as string, t, t.toUpperCase(), 1));
    };
    await cb.onValidationEnd(view({ predictBatch }), { predictions: [row('v0', 'x', 'x', 0)] });
    expect(seen).toEqual([b0]);
    expect(l.tables[0]?.rows.map((r) => r.prediction)).toEqual(['ABC']);
  });
});

describe('ModelSummaryCallback', () => {
  it('counts parameters and float32 size from the real variables', async () => {
    const w = tf.variable(tf.zeros([3, 4]), true, 'w');
    const bias = tf.variable(tf.zeros([4]), true, 'b');
    const running = tf.variable(tf.zeros([4]), false, 'running_mean');
    const model = {
      namedParameters: () => [['w', w], ['b', bias]],
      namedBuffers: () => [['running_mean', running]],
      numParameters: () => 16,
    } as unknown as Module;
    expect(modelSize(model)).toEqual({ numParameters: 16, numBufferValues: 4, sizeMB: (20 * 4) / 1e6 });
    const l = new RecordingLogger();
    const cb = new ModelSummaryCallback([l]);
    await cb.onFitStart(view({ model, globalStep: 0 }));
    await cb.onFitStart(view({ model, globalStep: 0 }));
    expect(l.metrics).toEqual([{ metrics: { 'model/num_parameters': 16, 'model/num_buffer_values': 4, 'model/size_mb': 0.00008 }, step: 0 }]);
    tf.dispose([w, bias, running]);
  });

  it('does nothing when the Trainer does not expose the model', async () => {
    const l = new RecordingLogger();
    await new ModelSummaryCallback([l]).onFitStart(view());
    expect(l.metrics).toEqual([]);
  });
});
