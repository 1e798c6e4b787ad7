/**
 * Loads a run directory back into memory for the report. Tolerant of runs that
 * crashed mid-write: a truncated last line is skipped and counted, not fatal.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { htrError } from '../../errors.js';
import type { Environment } from '../environment.js';
import type { TableRecord } from '../types.js';
import { RUN_FILES, type RunInfo } from '../run_dir.js';

export interface MetricPoint {
  readonly step: number;
  /** Epochs completed at this step (fractional), when it can be known. */
  readonly epoch: number | null;
  readonly value: number;
}

export interface RunData {
  readonly dir: string;
  readonly info: RunInfo;
  readonly configYaml: string | null;
  readonly environment: Environment | null;
  /** Metric name -> points in logged order; non-finite values dropped. */
  readonly series: ReadonlyMap<string, readonly MetricPoint[]>;
  readonly tables: readonly TableRecord[];
  /** Lines of metrics.jsonl / tables.jsonl that could not be parsed. */
  readonly skippedLines: number;
  /** Wall time (unix seconds) of the earliest and latest metric records, for the duration of a running run. */
  readonly firstTime: number | null;
  readonly lastTime: number | null;
}

export function readRun(dir: string): RunData {
  if (!existsSync(dir) || !statSync(dir).isDirectory()) throw htrError('HTR_ERR_MISSING_FILE', { file: dir });
  const metricsFile = join(dir, RUN_FILES.metrics);
  const infoFile = join(dir, RUN_FILES.run);
  if (!existsSync(metricsFile) && !existsSync(infoFile)) {
    throw htrError('HTR_ERR_BAD_DATA_FILE', { file: dir, reason: `not a run directory (no ${RUN_FILES.metrics} or ${RUN_FILES.run})` });
  }
  const info: RunInfo = existsSync(infoFile)
    ? (parseJson(infoFile) as RunInfo)
    : { experiment: basename(dirname(dir)), runId: basename(dir), startedAt: '', status: 'running' };
  let skipped = 0;
  const records = readJsonl(metricsFile, () => skipped++) as Array<Record<string, unknown>>;
  const tables = (readJsonl(join(dir, RUN_FILES.tables), () => skipped++) as TableRecord[]).filter((t) => t && typeof t.name === 'string' && Array.isArray(t.rows));
  return {
    dir,
    info,
    configYaml: readText(join(dir, RUN_FILES.config)),
    environment: existsSync(join(dir, RUN_FILES.environment)) ? (parseJson(join(dir, RUN_FILES.environment)) as Environment) : null,
    series: toSeries(records, info.stepsPerEpoch),
    tables,
    skippedLines: skipped,
    ...timeSpan(records),
  };
}

/** Wall times of the earliest and latest records that have one. */
function timeSpan(records: ReadonlyArray<Record<string, unknown>>): { firstTime: number | null; lastTime: number | null } {
  let firstTime: number | null = null;
  let lastTime: number | null = null;
  for (const { time } of records) {
    if (typeof time !== 'number') continue;
    if (firstTime === null || time < firstTime) firstTime = time;
    if (lastTime === null || time > lastTime) lastTime = time;
  }
  return { firstTime, lastTime };
}

/**
 * The epoch coordinate of a point: step / stepsPerEpoch when the run recorded its
 * shape, else the last logged `epoch` metric (an integer, coarser).
 */
export function toSeries(records: ReadonlyArray<Record<string, unknown>>, stepsPerEpoch: number | undefined): Map<string, MetricPoint[]> {
  const series = new Map<string, MetricPoint[]>();
  let lastEpoch: number | null = null;
  for (const rec of records) {
    const step = rec.step;
    if (typeof step !== 'number' || !Number.isFinite(step)) continue;
    if (typeof rec.epoch === 'number') lastEpoch = rec.epoch;
    const epoch = stepsPerEpoch && stepsPerEpoch > 0 ? step / stepsPerEpoch : lastEpoch;
    for (const [key, value] of Object.entries(rec)) {
      if (key === 'step' || key === 'time' || typeof value !== 'number' || !Number.isFinite(value)) continue;
      let pts = series.get(key);
      if (!pts) series.set(key, (pts = []));
      pts.push({ step, epoch, value });
    }
  }
  return series;
}

function readText(file: string): string | null {
  return existsSync(file) ? readFileSync(file, 'utf8') : null;
}

function parseJson(file: string): unknown {
  try {
    return JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw htrError('HTR_ERR_BAD_DATA_FILE', { file, reason: err instanceof Error ? err.message : String(err) }, err);
  }
}

function readJsonl(file: string, onBad: () => void): unknown[] {
  const text = readText(file);
  if (text === null) return [];
  const out: unknown[] = [];
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    try {
      out.push(JSON.parse(line));
    } catch {
      onBad();
    }
  }
  return out;
}
