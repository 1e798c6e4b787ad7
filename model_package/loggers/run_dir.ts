/**
 * The run directory layout, shared by the local logger (writer) and the report
 * (reader), so the two cannot drift apart.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { htrError } from '../errors.js';

export const RUN_FILES = {
  config: 'config.yaml',
  metrics: 'metrics.jsonl',
  tables: 'tables.jsonl',
  environment: 'environment.json',
  run: 'run.json',
  report: 'report.html',
  checkpoints: 'checkpoints',
  media: 'media',
} as const;

/** What `run.json` holds: facts about the run that are not time series. */
export interface RunInfo {
  experiment: string;
  runId: string;
  startedAt: string;
  endedAt?: string;
  status: 'running' | 'success' | 'failed' | 'interrupted';
  stepsPerEpoch?: number;
  totalSteps?: number;
  /** Scalars logged under `model/` (parameter count, size). */
  model?: Record<string, number>;
  /** Latest metrics of the test stage, when one ran. */
  test?: Record<string, number>;
}

/** A plain directory name: no separators, not `.` or `..`. */
export const SAFE_NAME = /^(?!\.{1,2}$)[\w.=-]+$/;

/** Sortable and unique enough: 20261123-174012-a3f9 (UTC). */
export function makeRunId(now = new Date()): string {
  const iso = now.toISOString(); // 2026-11-23T17:40:12.345Z
  const stamp = `${iso.slice(0, 10).replace(/-/g, '')}-${iso.slice(11, 19).replace(/:/g, '')}`;
  return `${stamp}-${randomBytes(2).toString('hex')}`;
}

/** Creates `<root>/<experiment>/<runId>/` with `checkpoints/` and `media/`; names must be plain directory names. */
export function createRunDir(rootDir: string, experiment: string, runId: string): string {
  if (!SAFE_NAME.test(experiment)) throw htrError('HTR_ERR_CONFIG_INVALID', { key: 'logger.experiment', reason: `"${experiment}" is not a plain directory name (letters, digits, _ . = -)` });
  if (!SAFE_NAME.test(runId)) throw htrError('HTR_ERR_CONFIG_INVALID', { key: 'logger.run_id', reason: `"${runId}" is not a plain directory name (letters, digits, _ . = -)` });
  const dir = join(rootDir, experiment, runId);
  mkdirSync(join(dir, RUN_FILES.checkpoints), { recursive: true });
  mkdirSync(join(dir, RUN_FILES.media), { recursive: true });
  return dir;
}
