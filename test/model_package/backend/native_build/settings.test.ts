/** HTR_NATIVE_BUILD, CI and vitest decide whether a training run may build native. */
import { describe, expect, it } from 'vitest';
import { autoBuildSetting } from '../../../../model_package/backend/native_build/index.js';

describe('autoBuildSetting', () => {
  it('builds by default on a user machine', () => {
    expect(autoBuildSetting({})).toEqual({ mode: 'on' });
  });

  it('HTR_NATIVE_BUILD=0 switches it off, =1 retries, anything else is off with a line saying so', () => {
    expect(autoBuildSetting({ HTR_NATIVE_BUILD: '0' })).toMatchObject({ mode: 'off', why: 'HTR_NATIVE_BUILD=0' });
    expect(autoBuildSetting({ HTR_NATIVE_BUILD: 'false' }).mode).toBe('off');
    expect(autoBuildSetting({ HTR_NATIVE_BUILD: '1' })).toEqual({ mode: 'retry' });
    expect(autoBuildSetting({ HTR_NATIVE_BUILD: '1', CI: 'true' })).toEqual({ mode: 'retry' });
    const typo = autoBuildSetting({ HTR_NATIVE_BUILD: 'maybe' });
    expect(typo).toMatchObject({ mode: 'off', say: expect.stringMatching(/neither 0 nor 1/) });
  });

  it('never builds under CI or vitest unless asked to', () => {
    expect(autoBuildSetting({ CI: 'true' })).toMatchObject({ mode: 'off', why: 'CI' });
    expect(autoBuildSetting({ CI: '1' }).mode).toBe('off');
    expect(autoBuildSetting({ CI: 'false' })).toEqual({ mode: 'on' });
    expect(autoBuildSetting({ VITEST: 'true' })).toMatchObject({ mode: 'off', why: 'vitest' });
  });

  it('is off in this very test run (vitest.config.ts sets HTR_NATIVE_BUILD=0)', () => {
    expect(process.env.HTR_NATIVE_BUILD).toBe('0');
    expect(autoBuildSetting(process.env).mode).toBe('off');
  });
});
