/**
 * With `trainer.overfit_batches = N`, shows the exact training batches being
 * memorised next to what the model currently reads from them (the seed's
 * "overfit batch" table). The batches are captured from onTrainBatchEnd; the
 * predictions come from the validation pass when it decoded those same samples
 * (overfit validates on the training batches), else from `TrainerView.predictBatch`.
 */
import type { Batch } from '../../core/data_types.js';
import type { Callback, TrainerView } from '../../training/callback.js';
import type { Logger, PredictionRow } from '../types.js';
import { logTableAll } from './fan_out.js';

export const OVERFIT_TABLE = 'train/overfit_batch';

export class OverfitBatchTableCallback implements Callback {
  private readonly batches = new Map<number, Batch>();

  constructor(
    private readonly loggers: readonly Logger[],
    private readonly numBatches: number,
  ) {}

  onTrainBatchEnd(_t: TrainerView, info: { batch: Batch; batchIndex: number }): void {
    if (info.batchIndex < this.numBatches && !this.batches.has(info.batchIndex)) this.batches.set(info.batchIndex, info.batch);
  }

  async onValidationEnd(t: TrainerView, info: { predictions: readonly PredictionRow[] }): Promise<void> {
    const rows = await this.rows(t, info.predictions);
    if (rows.length > 0) await logTableAll(this.loggers, OVERFIT_TABLE, rows, t.globalStep);
  }

  /** The captured samples in batch order with their current predictions. */
  async rows(t: TrainerView, validation: readonly PredictionRow[]): Promise<PredictionRow[]> {
    const batches = [...this.batches.entries()].sort(([a], [b]) => a - b).map(([, b]) => b);
    const ids = batches.flatMap((b) => b.ids);
    if (ids.length === 0) return [];
    const byId = new Map(validation.map((r) => [r.id, r]));
    if (ids.every((id) => byId.has(id))) return ids.map((id) => byId.get(id) as PredictionRow);
    if (!t.predictBatch) return [];
    const out: PredictionRow[] = [];
    for (const b of batches) out.push(...(await t.predictBatch(b)));
    return out;
  }
}
