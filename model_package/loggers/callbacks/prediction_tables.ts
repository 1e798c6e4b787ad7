/** Logs the decoded validation and test samples as prediction tables ("val/predictions", "test/predictions"). */
import type { Callback, TrainerView } from '../../training/callback.js';
import type { Logger, PredictionRow } from '../types.js';
import { logTableAll } from './fan_out.js';

export class PredictionTablesCallback implements Callback {
  constructor(private readonly loggers: readonly Logger[]) {}

  async onValidationEnd(t: TrainerView, info: { predictions: readonly PredictionRow[] }): Promise<void> {
    if (info.predictions.length > 0) await logTableAll(this.loggers, 'val/predictions', info.predictions, t.globalStep);
  }

  async onTestEnd(t: TrainerView, info: { predictions: readonly PredictionRow[] }): Promise<void> {
    if (info.predictions.length > 0) await logTableAll(this.loggers, 'test/predictions', info.predictions, t.globalStep);
  }
}
