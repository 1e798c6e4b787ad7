/**
 * Live progress during fit, validation and test: epoch, step/total, steps/s, loss,
 * last validation CER and ETA, shown on the shared `LiveLine` (redrawn in place on
 * a TTY, a plain line every `intervalS` seconds otherwise). Written to stderr so
 * stdout stays for results; validation and test metrics are printed by the
 * Trainer, so this only makes room for them.
 */
import { fitEtaSeconds, type Callback, type TrainerView } from '../training/callback.js';
import { formatDuration, LiveLine, progressBar, type LiveLineOptions } from './live_line.js';

/** Steps whose timing the speed estimate averages over. */
const WINDOW = 20;

export class ProgressCallback implements Callback {
  /** Tells the Trainer not to print its own plain progress line. */
  readonly providesProgress = true;
  private readonly live: LiveLine;
  private readonly now: () => number;
  private stamps: Array<{ step: number; ms: number }> = [];
  private fitStart = 0;
  private loss: number | undefined;
  private valCer: number | undefined;

  constructor(opts: LiveLineOptions = {}) {
    this.now = opts.now ?? (() => performance.now());
    this.live = new LiveLine({ ...opts, now: this.now });
  }

  onFitStart(t: TrainerView): void {
    this.fitStart = this.now();
    this.stamps = [{ step: t.globalStep, ms: this.fitStart }];
    const total = t.totalSteps !== undefined ? `, ${t.totalSteps} in total` : '';
    this.live.println(`fit: ${t.stepsPerEpoch} steps per epoch${total}`);
  }

  onTrainBatchEnd(t: TrainerView, info: { loss: number }): void {
    this.loss = info.loss;
    const ms = this.now();
    const last = this.stamps[this.stamps.length - 1];
    // One entry per optimizer step (accumulation calls this per micro-batch).
    if (!last || last.step !== t.globalStep) this.stamps.push({ step: t.globalStep, ms });
    if (this.stamps.length > WINDOW + 1) this.stamps.shift();
    this.live.update(this.trainLine(t));
  }

  onEvalBatchEnd(t: TrainerView, info: { stage: string; batchIndex: number; numBatches: number }): void {
    const line = `${info.stage} ${info.batchIndex + 1}/${info.numBatches} · epoch ${t.epoch} · step ${t.globalStep}`;
    this.live.update(line);
  }

  onValidationEnd(t: TrainerView, info: { metrics: Record<string, number> }): void {
    if (info.metrics['val/cer'] !== undefined) this.valCer = info.metrics['val/cer'];
    // The Trainer prints the validation metrics itself; just leave it a clean line.
    this.live.clear();
    // Validation time is not training speed: restart the window.
    this.stamps = [{ step: t.globalStep, ms: this.now() }];
  }

  onTestEnd(): void {
    this.live.clear();
  }

  onFitEnd(t: TrainerView, status: string): void {
    const s = (this.now() - this.fitStart) / 1000;
    this.live.println(`fit ${status} after ${t.globalStep} steps in ${formatDuration(s)}${this.valCer !== undefined ? ` · last val CER ${pct(this.valCer)}` : ''}`);
  }

  /** Optimizer steps per second over the recent window, or undefined before two steps. */
  stepsPerSecond(): number | undefined {
    const first = this.stamps[0];
    const last = this.stamps[this.stamps.length - 1];
    if (!first || !last || last.step <= first.step || last.ms <= first.ms) return undefined;
    return ((last.step - first.step) * 1000) / (last.ms - first.ms);
  }

  trainLine(t: TrainerView): string {
    const parts: string[] = [];
    const epochs = t.totalSteps !== undefined && t.stepsPerEpoch > 0 ? Math.ceil(t.totalSteps / t.stepsPerEpoch) : undefined;
    parts.push(`epoch ${t.epoch}${epochs !== undefined ? `/${epochs}` : ''}`);
    if (t.totalSteps !== undefined && t.totalSteps > 0) {
      const frac = Math.min(1, t.globalStep / t.totalSteps);
      parts.push(`step ${t.globalStep}/${t.totalSteps} ${progressBar(frac)} ${Math.floor(frac * 100)}%`);
    } else {
      parts.push(`step ${t.globalStep}`);
    }
    const rate = this.stepsPerSecond();
    if (rate !== undefined) parts.push(rate >= 1 ? `${rate.toFixed(2)} it/s` : `${(1 / rate).toFixed(2)} s/it`);
    if (this.loss !== undefined) parts.push(`loss ${this.loss.toPrecision(4)}`);
    if (this.valCer !== undefined) parts.push(`val CER ${pct(this.valCer)}`);
    const eta = rate === undefined ? undefined : fitEtaSeconds(t, rate);
    if (eta !== undefined) parts.push(`ETA ${formatDuration(eta)}`);
    return parts.join(' · ');
  }
}

function pct(v: number): string {
  return `${(v * 100).toFixed(2)}%`;
}
