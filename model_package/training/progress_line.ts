/**
 * The plain progress line the Trainer prints through `log` when no callback draws a
 * live display (`loggers/progress.ts` on the shared `LiveLine`): epoch, step,
 * step/s, loss, latest val/cer, lr and ETA.
 */
import { fitEtaSeconds, type TrainerView } from './callback.js';
import { formatDurationUnits } from '../loggers/live_line.js';

export class ProgressLine {
  private readonly started = Date.now();
  private startStep: number | undefined;

  constructor(
    private readonly view: TrainerView,
    private readonly log: (line: string) => void,
    private readonly enabled: boolean,
  ) {}

  update(): void {
    if (!this.enabled) return;
    const v = this.view;
    this.startStep ??= v.globalStep - 1;
    const seconds = (Date.now() - this.started) / 1000;
    const steps = v.globalStep - this.startStep;
    const rate = seconds > 0 ? steps / seconds : 0;
    const parts = [
      `epoch ${v.epoch}`,
      `step ${v.globalStep}${v.totalSteps !== undefined ? `/${v.totalSteps}` : ''}`,
      `${rate.toFixed(2)} step/s`,
    ];
    const loss = v.metrics['train/loss'];
    if (loss !== undefined) parts.push(`loss ${loss.toFixed(4)}`);
    const cer = v.metrics['val/cer'];
    if (cer !== undefined) parts.push(`val/cer ${cer.toFixed(4)}`);
    parts.push(`lr ${v.lr.toExponential(2)}`);
    const eta = fitEtaSeconds(v, rate);
    if (eta !== undefined) parts.push(`ETA ${formatDurationUnits(eta)}`);
    this.log(parts.join(' | '));
  }
}
