/**
 * Keeps the local run record current: the run's shape and backend at fit start,
 * report.html after every validation and test, and the final status at fit end.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Callback, TrainerView } from '../../training/callback.js';
import type { LocalLogger } from '../local_logger.js';
import type { Logger } from '../types.js';

export class RunRecordCallback implements Callback {
  constructor(
    private readonly local: LocalLogger | undefined,
    /** Every logger, finished when the fit ends (finish is idempotent, so a caller may finish them again). */
    private readonly loggers: readonly Logger[],
  ) {}

  onFitStart(t: TrainerView): void {
    this.local?.logRunShape({ stepsPerEpoch: t.stepsPerEpoch, totalSteps: t.totalSteps });
    // The backend is only final once the Trainer has initialised it.
    this.local?.updateBackend(tf.getBackend());
  }

  async onValidationEnd(): Promise<void> {
    await this.local?.writeReport();
  }

  async onTestEnd(): Promise<void> {
    await this.local?.writeReport();
  }

  async onFitEnd(_t: TrainerView, status: 'success' | 'failed' | 'interrupted'): Promise<void> {
    for (const l of this.loggers) await l.finish(status);
  }
}
