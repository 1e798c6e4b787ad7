/** A Logger and a Callback that record what the Trainer tells them, for assertions. */
import type { Logger, PredictionRow } from '../../model_package/loggers/types.js';
import type { Callback, TrainerView } from '../../model_package/training/callback.js';

export class RecordingLogger implements Logger {
  config: Record<string, unknown> | undefined;
  readonly metrics: Array<{ step: number; metrics: Record<string, number> }> = [];
  readonly tables: Array<{ name: string; rows: readonly PredictionRow[]; step: number }> = [];
  readonly finished: string[] = [];

  logConfig(config: Record<string, unknown>): void {
    this.config = config;
  }

  logMetrics(metrics: Readonly<Record<string, number>>, step: number): void {
    this.metrics.push({ step, metrics: { ...metrics } });
  }

  logTable(name: string, rows: readonly PredictionRow[], step: number): void {
    this.tables.push({ name, rows, step });
  }

  finish(status: 'success' | 'failed' | 'interrupted'): void {
    this.finished.push(status);
  }

  /** Every logged value of `key`, with its step. */
  series(key: string): Array<[number, number]> {
    return this.metrics.filter((m) => key in m.metrics).map((m) => [m.step, m.metrics[key] as number]);
  }
}

export class RecordingCallback implements Callback {
  readonly events: string[] = [];
  readonly trainBatches: Array<{ epoch: number; batchIndex: number; step: number; ids: readonly string[] }> = [];
  readonly validations: Array<{ epoch: number; step: number; metrics: Record<string, number>; predictionIds: string[] }> = [];
  testMetrics: Record<string, number> | undefined;
  status: string | undefined;
  /** Called on each train batch (e.g. to set shouldStop or send SIGINT). */
  onBatch: ((t: TrainerView, batchIndex: number) => void) | undefined;

  onFitStart(): void {
    this.events.push('fitStart');
  }

  onTrainBatchEnd(t: TrainerView, info: { batch: { ids: readonly string[] }; loss: number; batchIndex: number }): void {
    this.trainBatches.push({ epoch: t.epoch, batchIndex: info.batchIndex, step: t.globalStep, ids: info.batch.ids });
    this.onBatch?.(t, info.batchIndex);
  }

  onTrainEpochEnd(t: TrainerView): void {
    this.events.push(`epochEnd:${t.epoch}`);
  }

  onValidationEnd(t: TrainerView, info: { metrics: Record<string, number>; predictions: readonly PredictionRow[] }): void {
    this.events.push(`val:${t.epoch}`);
    this.validations.push({ epoch: t.epoch, step: t.globalStep, metrics: info.metrics, predictionIds: info.predictions.map((p) => p.id) });
  }

  onTestEnd(_t: TrainerView, info: { metrics: Record<string, number> }): void {
    this.events.push('test');
    this.testMetrics = info.metrics;
  }

  onFitEnd(_t: TrainerView, status: 'success' | 'failed' | 'interrupted'): void {
    this.events.push(`fitEnd:${status}`);
    this.status = status;
  }
}
