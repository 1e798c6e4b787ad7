/**
 * Keeps the local run record current: the run's shape (steps per epoch, total) and
 * the backend at fit start, and report.html after every validation. The Trainer
 * finishes the loggers, which writes the final report.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Callback, TrainerView } from '../../training/callback.js';
import type { LocalLogger } from '../local_logger.js';

export class RunRecordCallback implements Callback {
  constructor(private readonly local: LocalLogger) {}

  onFitStart(t: TrainerView): void {
    this.local.logRunShape({ stepsPerEpoch: t.stepsPerEpoch, totalSteps: t.totalSteps });
    // The backend is only final once the Trainer has initialised it.
    this.local.updateBackend(tf.getBackend());
  }

  async onValidationEnd(): Promise<void> {
    await this.local.writeReport();
  }
}
