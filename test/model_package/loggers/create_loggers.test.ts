import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createLoggers, LocalLogger, LoggerConfig, OverfitBatchTableCallback, ProgressCallback } from '../../../model_package/loggers/index.js';
import { isHtrError } from '../../../model_package/errors.js';

const tmp = () => mkdtempSync(join(tmpdir(), 'htr-create-loggers-'));
const resolvedConfig = (trainer: Record<string, unknown> = {}) => ({ trainer: { overfit_batches: 0, enable_progress_bar: true, ...trainer }, seed_everything: 3 });

describe('createLoggers', () => {
  it('defaults to the local logger under <root>/<experiment>/<run-id> with tables, record and progress callbacks', async () => {
    const root = tmp();
    const cfg = LoggerConfig.parse({ experiment: 'exp1' });
    const out = await createLoggers(cfg, { rootDir: root, resolvedConfig: resolvedConfig(), seed: 3 });
    expect(out.loggers).toHaveLength(1);
    expect(out.loggers[0]).toBeInstanceOf(LocalLogger);
    expect(out.runDir?.startsWith(join(root, 'exp1'))).toBe(true);
    expect(existsSync(join(out.runDir as string, 'config.yaml'))).toBe(true);
    expect(JSON.parse(readFileSync(join(out.runDir as string, 'environment.json'), 'utf8')).seed).toBe(3);
    expect(out.callbacks.some((c) => c instanceof ProgressCallback)).toBe(true);
    expect(out.callbacks.some((c) => c instanceof OverfitBatchTableCallback)).toBe(false);
  });

  it('adds the overfit-batch table with trainer.overfit_batches, and drops progress when quiet', async () => {
    const cfg = LoggerConfig.parse({ quiet: true, run_id: 'fixed' });
    const out = await createLoggers(cfg, { rootDir: tmp(), resolvedConfig: resolvedConfig({ overfit_batches: 1 }), seed: 0 });
    expect(out.runDir?.endsWith(join('default', 'fixed'))).toBe(true);
    expect(out.callbacks.some((c) => c instanceof OverfitBatchTableCallback)).toBe(true);
    expect(out.callbacks.some((c) => c instanceof ProgressCallback)).toBe(false);
    const noBar = await createLoggers(LoggerConfig.parse({}), { rootDir: tmp(), resolvedConfig: resolvedConfig({ enable_progress_bar: false }), seed: 0 });
    expect(noBar.callbacks.some((c) => c instanceof ProgressCallback)).toBe(false);
  });

  it('with local off and W&B off there is no run directory and nothing is written', async () => {
    const root = tmp();
    const out = await createLoggers(LoggerConfig.parse({ local: false }), { rootDir: root, resolvedConfig: resolvedConfig(), seed: 0 });
    expect(out.runDir).toBeUndefined();
    expect(out.loggers).toEqual([]);
    expect(existsSync(join(root, 'default'))).toBe(false);
  });

  it('fails clearly when W&B is on without a key, and marks the local run failed', async () => {
    const root = tmp();
    const err = await createLoggers(LoggerConfig.parse({ wandb: true, run_id: 'nokey' }), { rootDir: root, resolvedConfig: resolvedConfig(), seed: 0, env: {} }).catch((e: unknown) => e);
    expect(isHtrError(err, 'HTR_ERR_LOGGER_UNAVAILABLE')).toBe(true);
    expect(JSON.parse(readFileSync(join(root, 'default', 'nokey', 'run.json'), 'utf8')).status).toBe('failed');
  });

  it('rejects unknown logger keys and bad run ids at config time', () => {
    expect(() => LoggerConfig.parse({ colour: true })).toThrow();
    expect(() => LoggerConfig.parse({ run_id: 'a/b' })).toThrow();
  });
});
