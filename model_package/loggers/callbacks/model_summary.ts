/** Logs the model's parameter count and in-memory size once, at fit start ("model/*" scalars). */
import type { Module } from '../../models/types.js';
import type { Callback, TrainerView } from '../../training/callback.js';
import type { Logger } from '../types.js';
import { logMetricsAll } from './fan_out.js';

export interface ModelSize {
  /** Trainable weights. */
  readonly numParameters: number;
  /** Non-trainable state (BatchNorm statistics) values. */
  readonly numBufferValues: number;
  /** float32 weights + buffers, in MB (10^6 bytes). */
  readonly sizeMB: number;
}

export function modelSize(model: Module): ModelSize {
  const count = (vars: ReturnType<Module['namedParameters']>) => vars.reduce((n, [, v]) => n + v.size, 0);
  const numParameters = count(model.namedParameters());
  const numBufferValues = count(model.namedBuffers());
  return { numParameters, numBufferValues, sizeMB: ((numParameters + numBufferValues) * 4) / 1e6 };
}

export class ModelSummaryCallback implements Callback {
  private done = false;

  constructor(private readonly loggers: readonly Logger[]) {}

  async onFitStart(t: TrainerView): Promise<void> {
    if (this.done || !t.model) return;
    this.done = true;
    const s = modelSize(t.model);
    await logMetricsAll(this.loggers, { 'model/num_parameters': s.numParameters, 'model/num_buffer_values': s.numBufferValues, 'model/size_mb': s.sizeMB }, t.globalStep);
  }
}
