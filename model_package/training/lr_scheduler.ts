/**
 * Learning-rate schedules, evaluated per optimizer step. Each is a pure function of
 * the step index, so its state in a checkpoint is just the global step.
 *   none:         constant optimizer.lr
 *   OneCycleLR:   PyTorch's default (cosine, two phases): max_lr/div_factor rising to
 *                 max_lr over pct_start of the steps, then falling to
 *                 max_lr/div_factor/final_div_factor at the last step
 *   CosineWarmup: linear warm-up to optimizer.lr over warmup_steps, then cosine to min_lr
 */
import { htrError } from '../errors.js';
import type { LrSchedulerConfig } from './config.js';

export interface LrScheduler {
  readonly name: LrSchedulerConfig['name'];
  /**
   * The lr for the optimizer step with 0-based index `step`. `timeFraction` (a
   * trainer.max_time run: the share of its time used) moves the schedule on when
   * the clock, not the step count, will end the run: progress is the larger of the two.
   */
  lrAt(step: number, timeFraction?: number): number;
}

function cosineAnneal(start: number, end: number, pct: number): number {
  return end + ((start - end) / 2) * (1 + Math.cos(Math.PI * Math.min(1, Math.max(0, pct))));
}

/** `totalSteps` is needed by OneCycleLR and CosineWarmup; undefined means the fit has no step bound. */
export function createLrScheduler(config: LrSchedulerConfig, baseLr: number, totalSteps: number | undefined): LrScheduler {
  const name = config.name;
  if (name === 'none') return { name, lrAt: () => baseLr };
  if (totalSteps === undefined || totalSteps < 1) {
    throw htrError('HTR_ERR_CONFIG_INVALID', {
      key: 'lr_scheduler.name',
      reason: `${name} needs a bounded run: set trainer.max_epochs or trainer.max_steps`,
    });
  }
  if (name === 'OneCycleLR') {
    const maxLr = config.max_lr ?? baseLr;
    const initial = maxLr / config.div_factor;
    const min = initial / config.final_div_factor;
    const upEnd = config.pct_start * totalSteps - 1;
    const downEnd = totalSteps - 1;
    return {
      name,
      lrAt(step, timeFraction) {
        const at = Math.max(step, (timeFraction ?? 0) * downEnd);
        if (at <= upEnd) return cosineAnneal(initial, maxLr, upEnd > 0 ? at / upEnd : 1);
        return cosineAnneal(maxLr, min, (at - upEnd) / Math.max(1e-12, downEnd - upEnd));
      },
    };
  }
  const warm = config.warmup_steps;
  return {
    name,
    lrAt(step, timeFraction) {
      if (step < warm) return (baseLr * (step + 1)) / warm;
      const pct = Math.max((step - warm) / Math.max(1, totalSteps - warm), timeFraction ?? 0);
      return cosineAnneal(baseLr, config.min_lr, pct);
    },
  };
}
