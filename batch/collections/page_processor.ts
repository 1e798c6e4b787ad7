/**
 * BullMQ's sandboxed processor: each worker runs pages in child processes
 * forked from this file, so a page that crashes or exhausts memory kills a child,
 * not the worker (the job fails, is retried, and a fresh child takes over). A
 * child loads the engine and opens the store once, from the worker's settings
 * in HTR_BATCH_WORKER, and keeps them for every page it runs.
 */
import type { SandboxedJob } from 'bullmq';
import { loadEngine, type EngineSpec, type PageEngine } from './page_engine.js';
import type { PageJob } from './page_result.js';
import { runPageJobs } from './page_job.js';
import { ResultStore } from './result_store.js';

export interface WorkerSettings extends EngineSpec {
  /** SQLite store the results go to. */
  readonly db: string;
}

export const SETTINGS_ENV = 'HTR_BATCH_WORKER';

let loaded: Promise<{ engine: PageEngine; store: ResultStore }> | undefined;

function load(): Promise<{ engine: PageEngine; store: ResultStore }> {
  loaded ??= (async () => {
    const settings = JSON.parse(process.env[SETTINGS_ENV] ?? '{}') as WorkerSettings;
    const engine = await loadEngine(settings);
    return { engine, store: new ResultStore(settings.db) };
  })();
  return loaded;
}

export default async function processPage(job: SandboxedJob<PageJob>): Promise<{ lines: number }> {
  const { engine, store } = await load();
  const [outcome] = await runPageJobs([job.data], engine, store);
  if (!outcome) throw new Error('no outcome');
  if (outcome instanceof Error) throw outcome;
  return { lines: outcome.lines.length };
}
