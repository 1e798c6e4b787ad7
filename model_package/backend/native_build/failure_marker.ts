/**
 * The record of a failed first-use build, `.native/auto-build-failed.json`, so that later
 * runs do not retry a minutes-long build that will fail the same way. It is keyed to
 * what the failure depended on: a build failure or an unavailable wheel holds while Node's
 * ABI, the platform, the wheel and the setup script are unchanged (or until
 * HTR_NATIVE_BUILD=1); missing tools are checked again on every run, since that is cheap.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';

export const FAILURE_REASONS = ['missing-tools', 'wheel-unavailable', 'build-failed'] as const;
export type FailureReason = (typeof FAILURE_REASONS)[number];

export interface FailureMarker {
  readonly reason: FailureReason;
  /** What failed, e.g. "pip download tensorflow-cpu" or "missing: g++, make". */
  readonly detail: string;
  readonly log: string;
  /** ISO time of the failure. */
  readonly at: string;
  readonly key: string;
}

export const MARKER_FILE = 'auto-build-failed.json';

export function markerPath(dir: string): string {
  return path.join(dir, MARKER_FILE);
}

/** The inputs a build depends on; a failure recorded under another key is retried. */
export function failureKey(script: string, env: NodeJS.ProcessEnv): string {
  const hash = createHash('sha1').update(existsSync(script) ? readFileSync(script) : '').digest('hex').slice(0, 12);
  const wheel = env.HTR_TF_WHEEL_FILE ?? env.HTR_TF_WHEEL ?? 'tensorflow-cpu';
  return [`node-abi-${process.versions.modules}`, `${process.platform}-${process.arch}`, wheel, `setup-${hash}`].join('|');
}

export function readFailureMarker(dir: string): FailureMarker | null {
  try {
    const value = JSON.parse(readFileSync(markerPath(dir), 'utf8')) as Partial<FailureMarker>;
    if (!FAILURE_REASONS.includes(value.reason as FailureReason) || typeof value.key !== 'string') return null;
    return { reason: value.reason as FailureReason, detail: String(value.detail ?? ''), log: String(value.log ?? ''), at: String(value.at ?? ''), key: value.key };
  } catch {
    return null; // absent or unreadable: as if no failure was recorded
  }
}

/** Does `marker` still apply (so no build should be attempted)? */
export function markerHolds(marker: FailureMarker | null, key: string): marker is FailureMarker {
  return marker !== null && marker.reason !== 'missing-tools' && marker.key === key;
}

export function writeFailureMarker(dir: string, marker: FailureMarker): void {
  mkdirSync(dir, { recursive: true });
  const tmp = `${markerPath(dir)}.${process.pid}.tmp`;
  writeFileSync(tmp, `${JSON.stringify(marker, null, 2)}\n`);
  renameSync(tmp, markerPath(dir)); // readers never see half a file
}

export function clearFailureMarker(dir: string): void {
  rmSync(markerPath(dir), { force: true });
}
