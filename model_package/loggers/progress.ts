/**
 * Live progress during fit, validation and test: epoch, step/total, steps/s, loss,
 * last validation CER and ETA. On a TTY it is one line redrawn in place (at most
 * 10 times a second); otherwise (CI, log files) a plain line every `intervalS`
 * seconds. Written to stderr so stdout stays for results; validation and test
 * metrics are printed by the Trainer, so this only makes room for them.
 */
import type { Callback, TrainerView } from '../training/callback.js';

export interface ProgressStream {
  write(text: string): unknown;
  readonly isTTY?: boolean;
  readonly columns?: number;
}

export interface ProgressOptions {
  readonly stream?: ProgressStream;
  /** Seconds between lines when the stream is not a TTY. */
  readonly intervalS?: number;
  /** Clock in ms (tests). */
  readonly now?: () => number;
}

/** Steps whose timing the speed estimate averages over. */
const WINDOW = 20;
const TTY_REDRAW_MS = 100;

export class ProgressCallback implements Callback {
  /** Tells the Trainer not to print its own plain progress line. */
  readonly providesProgress = true;
  private readonly stream: ProgressStream;
  private readonly tty: boolean;
  private readonly intervalMs: number;
  private readonly now: () => number;
  private stamps: Array<{ step: number; ms: number }> = [];
  private lastDraw = -Infinity;
  private drawn = false;
  private fitStart = 0;
  private loss: number | undefined;
  private valCer: number | undefined;

  constructor(opts: ProgressOptions = {}) {
    this.stream = opts.stream ?? process.stderr;
    this.tty = this.stream.isTTY === true;
    this.intervalMs = (opts.intervalS ?? 10) * 1000;
    this.now = opts.now ?? (() => performance.now());
  }

  onFitStart(t: TrainerView): void {
    this.fitStart = this.now();
    this.stamps = [{ step: t.globalStep, ms: this.fitStart }];
    const total = t.totalSteps !== undefined ? `, ${t.totalSteps} in total` : '';
    this.println(`fit: ${t.stepsPerEpoch} steps per epoch${total}`);
  }

  onTrainBatchEnd(t: TrainerView, info: { loss: number }): void {
    this.loss = info.loss;
    const ms = this.now();
    const last = this.stamps[this.stamps.length - 1];
    // One entry per optimizer step (accumulation calls this per micro-batch).
    if (!last || last.step !== t.globalStep) this.stamps.push({ step: t.globalStep, ms });
    if (this.stamps.length > WINDOW + 1) this.stamps.shift();
    this.maybeDraw(this.trainLine(t), ms);
  }

  onEvalBatchEnd(t: TrainerView, info: { stage: string; batchIndex: number; numBatches: number }): void {
    const line = `${info.stage} ${info.batchIndex + 1}/${info.numBatches} · epoch ${t.epoch} · step ${t.globalStep}`;
    this.maybeDraw(line, this.now());
  }

  onValidationEnd(t: TrainerView, info: { metrics: Record<string, number> }): void {
    if (info.metrics['val/cer'] !== undefined) this.valCer = info.metrics['val/cer'];
    // The Trainer prints the validation metrics itself; just leave it a clean line.
    this.clearLine();
    // Validation time is not training speed: restart the window.
    this.stamps = [{ step: t.globalStep, ms: this.now() }];
  }

  onTestEnd(): void {
    this.clearLine();
  }

  onFitEnd(t: TrainerView, status: string): void {
    const s = (this.now() - this.fitStart) / 1000;
    this.println(`fit ${status} after ${t.globalStep} steps in ${formatDuration(s)}${this.valCer !== undefined ? ` · last val CER ${pct(this.valCer)}` : ''}`);
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
      parts.push(`step ${t.globalStep}/${t.totalSteps} ${bar(frac)} ${Math.floor(frac * 100)}%`);
    } else {
      parts.push(`step ${t.globalStep}`);
    }
    const rate = this.stepsPerSecond();
    if (rate !== undefined) parts.push(rate >= 1 ? `${rate.toFixed(2)} it/s` : `${(1 / rate).toFixed(2)} s/it`);
    if (this.loss !== undefined) parts.push(`loss ${this.loss.toPrecision(4)}`);
    if (this.valCer !== undefined) parts.push(`val CER ${pct(this.valCer)}`);
    if (rate !== undefined && t.totalSteps !== undefined) parts.push(`ETA ${formatDuration(Math.max(0, t.totalSteps - t.globalStep) / rate)}`);
    return parts.join(' · ');
  }

  private maybeDraw(line: string, ms: number): void {
    if (ms - this.lastDraw < (this.tty ? TTY_REDRAW_MS : this.intervalMs)) return;
    this.lastDraw = ms;
    if (this.tty) {
      // A pty without a size reports 0 columns: assume a normal terminal then.
      const columns = this.stream.columns && this.stream.columns > 0 ? this.stream.columns : 120;
      const width = Math.max(20, columns - 1);
      this.stream.write(`\r\x1b[2K${line.length > width ? `${line.slice(0, width - 1)}…` : line}`);
      this.drawn = true;
    } else {
      this.stream.write(`${line}\n`);
    }
  }

  /** A permanent line; on a TTY it replaces the live line, which is redrawn by the next update. */
  private println(line: string): void {
    this.clearLine();
    this.stream.write(`${line}\n`);
  }

  /** Removes the live line (TTY) so the next output starts on a clean line. */
  private clearLine(): void {
    if (this.tty && this.drawn) this.stream.write('\r\x1b[2K');
    this.drawn = false;
    this.lastDraw = -Infinity;
  }
}

function bar(frac: number, width = 12): string {
  const full = Math.round(frac * width);
  return `[${'#'.repeat(full)}${'.'.repeat(width - full)}]`;
}

function pct(v: number): string {
  return `${(v * 100).toFixed(2)}%`;
}

export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds)) return '?';
  const s = Math.round(seconds);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = s % 60;
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${String(sec).padStart(2, '0')}` : `${m}:${String(sec).padStart(2, '0')}`;
}
