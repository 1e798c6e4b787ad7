/**
 * The wiring: `run_experiment fit` with accelerator=auto and no native build tries the
 * first-use build (here a stand-in that fails at once), says so in one line, and trains
 * on wasm; `validate` never builds.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { MARKER_FILE } from '../../../../model_package/backend/native_build/index.js';
import { fakeWorld } from './fake_setup.js';

const ROOT = fileURLToPath(new URL('../../../..', import.meta.url));
const SMOKE = ['--config', 'configs/smoke.yaml', '--trainer.accelerator=auto', '--trainer.fast_dev_run=true', '--trainer.enable_progress_bar=false'];

describe('run_experiment and the first-use build', () => {
  it('fit tries it, prints one line on failure and trains on wasm; validate does not try', () => {
    const w = fakeWorld({ exitCode: 4, failedAt: 'pip download tensorflow-cpu' });
    const { VITEST: _v, CI: _c, HTR_NATIVE_BUILD: _h, ...env } = process.env;
    const childEnv = { ...env, HTR_NATIVE_DIR: w.dir, HTR_NATIVE_BUILD_SCRIPT: w.script };
    const cli = (stage: string) =>
      spawnSync(process.execPath, ['bin/run_experiment.mjs', stage, ...SMOKE, `--trainer.default_root_dir=${path.join(w.root, 'runs')}`], { cwd: ROOT, env: childEnv, encoding: 'utf8' });

    const validate = cli('validate');
    expect(validate.status, validate.stderr).toBe(0);
    expect(validate.stderr).not.toMatch(/\[native\]/);
    expect(w.runs()).toEqual([]);

    const fit = cli('fit');
    expect(fit.status, fit.stderr).toBe(0);
    const native = fit.stderr.split('\n').filter((l) => l.startsWith('[native]'));
    expect(native.filter((l) => l.includes('Building the native TensorFlow backend'))).toHaveLength(1);
    expect(native[native.length - 1]).toMatch(/Could not build the native backend .*training on wasm\. Log: .*build\.log/);
    expect(fit.stderr).toMatch(/\[backend\] using wasm/);
    expect(w.runs()).toHaveLength(1);
    expect(existsSync(path.join(w.dir, MARKER_FILE))).toBe(true);
  }, 300_000);
});
