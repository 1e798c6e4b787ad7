/**
 * The default logger: everything about a run in one directory that a person can
 * open offline (see run_dir.ts for the layout, report/ for report.html).
 */
import { appendFileSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { configToYaml } from '../config/print.js';
import type { Environment } from './environment.js';
import { grayImageToPng } from './media.js';
import { renderRunReport } from './report/index.js';
import { writeFileAtomicSync } from '../core/atomic_write.js';
import { RUN_FILES, type RunInfo } from './run_dir.js';
import type { Logger, PredictionRow, TableRecord } from './types.js';

export interface LocalLoggerOptions {
  readonly runDir: string;
  readonly experiment: string;
  readonly runId: string;
  /** Rows kept per table, worst CER first (0 keeps none). */
  readonly tableRows: number;
  /** Verbatim config text (what `--print_config` printed); else the config is dumped with `yaml`. */
  readonly configYaml?: string;
}

export class LocalLogger implements Logger {
  readonly runDir: string;
  private readonly opts: LocalLoggerOptions;
  private info: RunInfo;
  private lastEpoch: number | null = null;
  private env: Environment | undefined;

  /** The record files of the run this one continues (resume into the same run id), kept until it logs anything. */
  private readonly previous: Map<string, string> | undefined;
  private logged = false;
  private restored = false;

  constructor(opts: LocalLoggerOptions) {
    this.opts = opts;
    this.runDir = opts.runDir;
    if (existsSync(join(this.runDir, RUN_FILES.run))) {
      this.previous = new Map();
      for (const name of [RUN_FILES.run, RUN_FILES.config, RUN_FILES.environment]) {
        const file = join(this.runDir, name);
        if (existsSync(file)) this.previous.set(name, readFileSync(file, 'utf8'));
      }
    }
    this.info = { experiment: opts.experiment, runId: opts.runId, startedAt: new Date().toISOString(), status: 'running' };
    this.writeInfo();
  }

  logConfig(config: Record<string, unknown>): void {
    // Same serialisation as `--print_config`, so the file can be fed back with --config.
    const text = this.opts.configYaml ?? configToYaml(config);
    writeFileAtomicSync(join(this.runDir, RUN_FILES.config), text);
  }

  logEnvironment(env: Environment): void {
    this.env = { ...env };
    writeFileAtomicSync(join(this.runDir, RUN_FILES.environment), `${JSON.stringify(this.env, null, 2)}\n`);
  }

  /** Records the tensor backend once it is known (the Trainer may pick it after the loggers exist). */
  updateBackend(backend: string | undefined): void {
    if (this.env && backend && this.env.backend !== backend) this.logEnvironment({ ...this.env, backend });
  }

  /** Steps per epoch and in total, known at fit start; the report uses them for the epoch axis and progress. */
  logRunShape(shape: { stepsPerEpoch: number; totalSteps: number | undefined }): void {
    this.info.stepsPerEpoch = shape.stepsPerEpoch;
    if (shape.totalSteps !== undefined) this.info.totalSteps = shape.totalSteps;
    this.writeInfo();
  }

  logMetrics(metrics: Readonly<Record<string, number>>, step: number): void {
    this.logged = true;
    // Appending one line per call keeps everything logged before a crash.
    appendFileSync(join(this.runDir, RUN_FILES.metrics), `${JSON.stringify({ step, time: Date.now() / 1000, ...metrics })}\n`);
    if (typeof metrics.epoch === 'number') this.lastEpoch = metrics.epoch;
    const model = pick(metrics, (k) => k.startsWith('model/'));
    const test = pick(metrics, (k) => k.startsWith('test/'));
    if (model) this.info.model = { ...this.info.model, ...model };
    if (test) this.info.test = { ...this.info.test, ...test };
    if (model || test) this.writeInfo();
  }

  async logTable(name: string, rows: readonly PredictionRow[], step: number): Promise<void> {
    if (rows.length === 0) return;
    const kept = [...rows].sort((a, b) => b.cer - a.cer || a.id.localeCompare(b.id)).slice(0, this.opts.tableRows);
    const folder = `${RUN_FILES.media}/${name.replace(/[^\w.-]+/g, '_')}/step_${step}`;
    const out: TableRecord['rows'] = [];
    for (const [i, row] of kept.entries()) {
      let image: string | null = null;
      if (row.image.width > 0 && row.image.height > 0) {
        image = `${folder}/${String(i).padStart(3, '0')}.png`;
        writeFileAtomicSync(join(this.runDir, image), await grayImageToPng(row.image));
      }
      out.push({ id: row.id, image, groundTruth: row.groundTruth, prediction: row.prediction, cer: row.cer });
    }
    const epoch = this.lastEpoch ?? (this.info.stepsPerEpoch ? Math.floor(step / this.info.stepsPerEpoch) : null);
    const record: TableRecord = { name, step, epoch, time: Date.now() / 1000, rows: out };
    appendFileSync(join(this.runDir, RUN_FILES.tables), `${JSON.stringify(record)}\n`);
  }

  /** Rebuilds report.html from the files on disk (the same path `run_experiment report` takes). */
  async writeReport(): Promise<string> {
    const html = await renderRunReport(this.runDir);
    const file = join(this.runDir, RUN_FILES.report);
    writeFileAtomicSync(file, html);
    return file;
  }

  /**
   * Records how the run ended and writes the final report. Safe to call again (the
   * Trainer and the CLI both finish loggers; a test may follow fit in one process):
   * the first status stands, the report is refreshed with anything logged since.
   */
  async finish(status: 'success' | 'failed' | 'interrupted'): Promise<void> {
    if (this.restored) return;
    if (status === 'failed' && this.previous && !this.logged && this.info.status === 'running') {
      this.restored = true;
      // A resume into an existing run that failed before training: the old record stands.
      for (const [name, text] of this.previous) writeFileAtomicSync(join(this.runDir, name), text);
      return;
    }
    if (this.info.status === 'running') this.info.status = status;
    this.info.endedAt = new Date().toISOString();
    this.writeInfo();
    if (!existsSync(join(this.runDir, RUN_FILES.metrics))) writeFileSync(join(this.runDir, RUN_FILES.metrics), '');
    await this.writeReport();
  }

  private writeInfo(): void {
    writeFileAtomicSync(join(this.runDir, RUN_FILES.run), `${JSON.stringify(this.info, null, 2)}\n`);
  }
}

function pick(metrics: Readonly<Record<string, number>>, keep: (key: string) => boolean): Record<string, number> | undefined {
  const out: Record<string, number> = {};
  for (const [k, v] of Object.entries(metrics)) if (keep(k)) out[k] = v;
  return Object.keys(out).length > 0 ? out : undefined;
}
