/**
 * Stops training when the monitored metric has not improved by more than
 * `min_delta` for `patience` validations in a row (patience 0 = off).
 */
import type { EarlyStoppingConfig } from './config.js';

export interface EarlyStoppingState {
  readonly best: number | null;
  readonly wait: number;
}

export class EarlyStopping {
  private best: number | null = null;
  private wait = 0;

  constructor(private readonly config: EarlyStoppingConfig) {}

  get enabled(): boolean {
    return this.config.patience > 0;
  }

  /** Records a validation; returns a reason string when training should stop. */
  update(metrics: Readonly<Record<string, number>>): string | undefined {
    if (!this.enabled) return undefined;
    const value = metrics[this.config.monitor];
    if (value === undefined || Number.isNaN(value)) return undefined;
    const improved = this.best === null
      || (this.config.mode === 'min' ? value < this.best - this.config.min_delta : value > this.best + this.config.min_delta);
    if (improved) {
      this.best = value;
      this.wait = 0;
      return undefined;
    }
    this.wait += 1;
    if (this.wait >= this.config.patience) {
      return `${this.config.monitor} did not improve for ${this.wait} validations (best ${this.best?.toFixed(4)})`;
    }
    return undefined;
  }

  state(): EarlyStoppingState {
    return { best: this.best, wait: this.wait };
  }

  loadState(state: EarlyStoppingState | undefined): void {
    this.best = state?.best ?? null;
    this.wait = state?.wait ?? 0;
  }
}
