/**
 * A training run with accelerator=auto builds the native backend itself when it is
 * missing and the machine can build it, so a new user trains 4-6x faster without
 * knowing about `npm run setup:native`. Called by `run_experiment fit` only: never on
 * import, by serving, by `npm ci`, in tests or in CI (see settings.ts).
 */
import path from 'node:path';
import type { Accelerator } from '../init_backend.js';
import { findNativeBuild, isInstalled, nativeDir, REPO_ROOT } from '../native.js';
import { acquireBuildLock, LOCK_FILE } from './build_lock.js';
import {
  clearFailureMarker, failureKey, markerHolds, readFailureMarker, writeFailureMarker, type FailureReason,
} from './failure_marker.js';
import * as say from './messages.js';
import { checkPrerequisites, runBuild } from './run_setup.js';
import { autoBuildSetting } from './settings.js';

export const BUILD_LOG = 'build.log';

export interface FirstUseOptions {
  readonly accelerator: Accelerator;
  readonly log: (message: string) => void;
  /** Default process.env (HTR_NATIVE_BUILD, CI, HTR_NATIVE_DIR, HTR_NATIVE_BUILD_SCRIPT). */
  readonly env?: NodeJS.ProcessEnv;
  /** The build folder; default nativeDir(env), i.e. .native/. */
  readonly dir?: string;
  /** The build script; default HTR_NATIVE_BUILD_SCRIPT, else scripts/setup_native.sh. Tests pass a fast stand-in. */
  readonly script?: string;
  /** A progress line at least this often while building or waiting; default 30 s. */
  readonly heartbeatMs?: number;
  /** How often to look at another process's lock; default 1 s. */
  readonly pollMs?: number;
}

export type FirstUseOutcome =
  /** Nothing to do: an explicit accelerator, or native is already there. */
  | { readonly status: 'not-needed'; readonly why: string }
  /** Building is switched off (HTR_NATIVE_BUILD=0, CI, vitest). */
  | { readonly status: 'disabled'; readonly why: string }
  /** No native backend: `attempted` false when a recorded failure still holds. */
  | { readonly status: 'failed'; readonly reason: FailureReason; readonly detail: string; readonly attempted: boolean }
  /** Built now, by this process or by another one it waited for. */
  | { readonly status: 'built'; readonly by: 'this' | 'another'; readonly seconds: number };

export async function buildNativeOnFirstUse(options: FirstUseOptions): Promise<FirstUseOutcome> {
  const env = options.env ?? process.env;
  const { log } = options;
  if (options.accelerator !== 'auto') return { status: 'not-needed', why: `accelerator ${options.accelerator}` };
  const dir = options.dir ?? nativeDir(env);
  if (nativeAvailable(dir)) return { status: 'not-needed', why: 'native is available' };
  const setting = autoBuildSetting(env);
  if (setting.mode === 'off') {
    if (setting.say) log(setting.say);
    return { status: 'disabled', why: setting.why };
  }
  const script = options.script ?? env.HTR_NATIVE_BUILD_SCRIPT ?? path.join(REPO_ROOT, 'scripts', 'setup_native.sh');
  const key = failureKey(script, env);
  const logFile = path.join(dir, BUILD_LOG);
  const heartbeatMs = options.heartbeatMs ?? 30_000;

  const before = recorded(dir, key, setting.mode === 'retry');
  if (before) {
    log(say.failedBefore(before));
    return { status: 'failed', reason: before.reason, detail: before.detail, attempted: false };
  }
  const check = await checkPrerequisites(script, env);
  if (!check.ok) {
    writeFailureMarker(dir, { reason: 'missing-tools', detail: check.missing, log: logFile, at: new Date().toISOString(), key });
    log(say.missingTools(check.missing));
    return { status: 'failed', reason: 'missing-tools', detail: check.missing, attempted: true };
  }

  const waitStart = Date.now();
  let waited = false;
  const lock = await acquireBuildLock(path.join(dir, LOCK_FILE), {
    pollMs: options.pollMs ?? 1000,
    heartbeatMs,
    onWait: (holder) => {
      waited = true;
      log(say.waiting(holder, logFile));
    },
    onStillWaiting: (s) => log(say.stillWaiting(s)),
  });
  try {
    // The holder we waited for may have built it, or failed and recorded why.
    if (nativeAvailable(dir)) {
      if (waited) log(say.builtByOther());
      return { status: 'built', by: 'another', seconds: Math.round((Date.now() - waitStart) / 1000) };
    }
    const after = waited ? recorded(dir, key, false) : null;
    if (after) {
      log(say.failedBefore(after));
      return { status: 'failed', reason: after.reason, detail: after.detail, attempted: false };
    }
    log(say.announce(logFile));
    const result = await runBuild(script, {
      env: { ...env, HTR_NATIVE_DIR: dir, HTR_NATIVE_LOCK_HELD: '1' },
      logFile,
      heartbeatMs,
      onStep: (line, s) => log(say.step(line, s)),
      onHeartbeat: (line, s) => log(say.heartbeat(line, s, logFile)),
    });
    const outcome = result.ok && !findNativeBuild(dir)
      ? { ...result, ok: false as const, reason: 'build-failed' as const, detail: `the script succeeded but ${path.join(dir, 'build.json')} is missing` }
      : result;
    if (outcome.ok) {
      clearFailureMarker(dir);
      log(say.built(outcome.seconds));
      return { status: 'built', by: 'this', seconds: outcome.seconds };
    }
    writeFailureMarker(dir, { reason: outcome.reason, detail: outcome.detail, log: logFile, at: new Date().toISOString(), key });
    log(say.failed(outcome.reason, outcome.detail, logFile));
    return { status: 'failed', reason: outcome.reason, detail: outcome.detail, attempted: true };
  } finally {
    lock.release();
  }
}

/** A complete build in `dir`, or tfjs-node installed from npm: either is what auto picks. */
function nativeAvailable(dir: string): boolean {
  return findNativeBuild(dir) !== null || isInstalled('@tensorflow/tfjs-node') || isInstalled('@tensorflow/tfjs-node-gpu');
}

function recorded(dir: string, key: string, retry: boolean): ReturnType<typeof readFailureMarker> {
  if (retry) return null;
  const marker = readFailureMarker(dir);
  return markerHolds(marker, key) ? marker : null;
}
