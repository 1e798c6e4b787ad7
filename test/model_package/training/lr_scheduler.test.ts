import { describe, expect, it } from 'vitest';
import { LrSchedulerConfig } from '../../../model_package/training/config.js';
import { createLrScheduler } from '../../../model_package/training/lr_scheduler.js';

describe('createLrScheduler', () => {
  it('none keeps the optimizer lr and needs no step bound', () => {
    const s = createLrScheduler(LrSchedulerConfig.parse({}), 0.003, undefined);
    expect([0, 10, 1e6].map((t) => s.lrAt(t))).toEqual([0.003, 0.003, 0.003]);
  });

  it('OneCycleLR matches PyTorch: max_lr/25 -> max_lr at 30% -> max_lr/25/1e4 at the end', () => {
    const s = createLrScheduler(LrSchedulerConfig.parse({ name: 'OneCycleLR', max_lr: 0.01 }), 0.001, 100);
    expect(s.lrAt(0)).toBeCloseTo(0.01 / 25, 12);
    expect(s.lrAt(29)).toBeCloseTo(0.01, 12); // pct_start * total - 1
    expect(s.lrAt(99)).toBeCloseTo(0.01 / 25 / 1e4, 12);
    // Halfway up the cosine: the mean of start and peak.
    expect(s.lrAt(14.5)).toBeCloseTo((0.01 / 25 + 0.01) / 2, 12);
    for (let t = 1; t < 29; t++) expect(s.lrAt(t)).toBeGreaterThan(s.lrAt(t - 1));
    for (let t = 30; t < 100; t++) expect(s.lrAt(t)).toBeLessThan(s.lrAt(t - 1));
    // max_lr defaults to optimizer.lr.
    expect(createLrScheduler(LrSchedulerConfig.parse({ name: 'OneCycleLR' }), 0.002, 10).lrAt(2)).toBeCloseTo(0.002, 12);
  });

  it('CosineWarmup rises linearly, then follows a cosine down to min_lr', () => {
    const s = createLrScheduler(LrSchedulerConfig.parse({ name: 'CosineWarmup', warmup_steps: 4, min_lr: 1e-4 }), 1e-3, 104);
    expect([0, 1, 2, 3].map((t) => s.lrAt(t))).toEqual([0.25e-3, 0.5e-3, 0.75e-3, 1e-3]);
    expect(s.lrAt(4)).toBeCloseTo(1e-3, 12);
    expect(s.lrAt(54)).toBeCloseTo((1e-3 + 1e-4) / 2, 12);
    expect(s.lrAt(104)).toBeCloseTo(1e-4, 12);
    expect(s.lrAt(500)).toBeCloseTo(1e-4, 12);
  });

  it('a max_time run follows the clock when it will end the run before the step bound', () => {
    const cos = createLrScheduler(LrSchedulerConfig.parse({ name: 'CosineWarmup', warmup_steps: 4, min_lr: 1e-4 }), 1e-3, 10_004);
    // Step 54 of 10,004 but half the time used: the cosine is half way down.
    expect(cos.lrAt(54, 0.5)).toBeCloseTo((1e-3 + 1e-4) / 2, 12);
    expect(cos.lrAt(54, 1)).toBeCloseTo(1e-4, 12);
    // The step count still wins when it is further along; warm-up is by steps.
    expect(cos.lrAt(5_004, 0.1)).toBeCloseTo((1e-3 + 1e-4) / 2, 12);
    expect(cos.lrAt(1, 0.9)).toBeCloseTo(0.5e-3, 12);
    const one = createLrScheduler(LrSchedulerConfig.parse({ name: 'OneCycleLR', max_lr: 0.01 }), 1e-3, 1000);
    expect(one.lrAt(10, 1)).toBeCloseTo(one.lrAt(999), 12);
    expect(one.lrAt(10, 0.3)).toBeCloseTo(one.lrAt(Math.round(0.3 * 999)), 6);
  });

  it('refuses schedules that need a length when the run is unbounded', () => {
    expect(() => createLrScheduler(LrSchedulerConfig.parse({ name: 'CosineWarmup' }), 1e-3, undefined)).toThrow(/HTR_ERR_CONFIG_INVALID.*lr_scheduler\.name/);
  });
});
