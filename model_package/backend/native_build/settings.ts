/**
 * HTR_NATIVE_BUILD: may a training run build the native backend by itself?
 *   0 (false, no, off)  never;
 *   1 (true, yes, on)   yes, and retry even after a recorded failure;
 *   unset               yes, except under CI or vitest: they must stay fast and must not
 *                       write .native/ (CI sets CI=true; vitest.config.ts also sets 0).
 */
export type AutoBuildSetting =
  | { readonly mode: 'off'; readonly why: string; readonly say?: string }
  | { readonly mode: 'on' | 'retry' };

const OFF = /^(0|false|no|off)$/i;
const ON = /^(1|true|yes|on)$/i;

export function autoBuildSetting(env: NodeJS.ProcessEnv): AutoBuildSetting {
  const value = env.HTR_NATIVE_BUILD?.trim();
  if (value) {
    if (OFF.test(value)) return { mode: 'off', why: `HTR_NATIVE_BUILD=${value}` };
    if (ON.test(value)) return { mode: 'retry' };
    // A typo must not start a long build nobody asked for.
    return { mode: 'off', why: `HTR_NATIVE_BUILD=${value}`, say: `[native] HTR_NATIVE_BUILD=${value} is neither 0 nor 1; not building the native backend` };
  }
  if (env.CI && !OFF.test(env.CI)) return { mode: 'off', why: 'CI' };
  if (env.VITEST) return { mode: 'off', why: 'vitest' };
  return { mode: 'on' };
}
