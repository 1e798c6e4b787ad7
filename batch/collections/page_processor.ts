/**
 * BullMQ's sandboxed processor: each worker runs pages in child processes
 * forked from this file, so a page that crashes, exhausts memory or hangs kills
 * a child, not the worker (the job fails, is retried, and a fresh child takes
 * over). A child loads the engine and opens the store once, from the worker's
 * settings in HTR_BATCH_WORKER, and keeps them for every page it runs.
 */
import type { SandboxedJob } from 'bullmq';
import { loadEngine, type PageEngine } from './page_engine.js';
import type { PageJob } from './page_result.js';
import { runPageJobs } from './page_job.js';
import { pageStarted } from './page_timeout.js';
import { ResultStore } from './result_store.js';
import { SETTINGS_ENV, type PageFault, type PageOutcome, type WorkerSettings } from './worker_settings.js';

// A worker killed with SIGKILL cannot stop its children; each leaves once its channel to the worker closes
// (its page goes back to the queue when the worker's lock expires).
process.once('disconnect', () => process.exit(1));

let loaded: Promise<{ engine: PageEngine; store: ResultStore; fault: PageFault }> | undefined;

function load(): Promise<{ engine: PageEngine; store: ResultStore; fault: PageFault }> {
  loaded ??= (async () => {
    const settings = JSON.parse(process.env[SETTINGS_ENV] ?? '{}') as WorkerSettings;
    const engine = await loadEngine(settings);
    return { engine, store: new ResultStore(settings.db), fault: settings.fault ?? {} };
  })();
  return loaded;
}

/**
 * Blocks this thread without spinning a core, and no timer in this process can
 * end it. It wakes each second only to exit once the worker is gone, so a test
 * that fails cannot leave it behind.
 */
function hang(): never {
  const cell = new Int32Array(new SharedArrayBuffer(4));
  const worker = process.ppid;
  for (;;) {
    Atomics.wait(cell, 0, 0, 1000);
    // Orphans are re-parented, and process.ppid is read afresh each time.
    if (process.ppid !== worker) process.exit(1);
  }
}

export default async function processPage(job: SandboxedJob<PageJob>): Promise<PageOutcome> {
  const { engine, store, fault } = await load();
  // Awaited so the worker has it before the page can block this process.
  await job.updateProgress(pageStarted());
  if (fault.hang && job.data.file.endsWith(fault.hang)) hang();
  const [outcome] = await runPageJobs([job.data], engine, store);
  if (!outcome) throw new Error('no outcome');
  if (outcome instanceof Error) throw outcome;
  return { lines: outcome.lines.length };
}
