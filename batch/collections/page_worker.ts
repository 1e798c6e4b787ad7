/**
 * `htr_batch worker`: takes pages off the queue and runs them in sandboxed child
 * processes (`page_processor.ts`), `concurrency` at a time, each page within
 * `pageTimeoutMs` (`page_watchdog.ts`). A page that runs out of attempts is
 * recorded in the store's failures with its error. With `untilIdle` the worker
 * closes and resolves once the queue has nothing waiting, delayed or running;
 * otherwise on SIGINT, SIGTERM or `signal`.
 */
import { fileURLToPath } from 'node:url';
import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { SETTINGS_ENV, type WorkerSettings } from './worker_settings.js';
import { DEFAULT_PAGE_TIMEOUT_S } from './page_timeout.js';
import { WatchedWorker } from './page_watchdog.js';
import { ResultStore } from './result_store.js';

export interface WorkerOptions {
  readonly queue: string;
  readonly connection: Redis;
  readonly settings: WorkerSettings;
  readonly concurrency: number;
  readonly untilIdle: boolean;
  /** How long a job stays claimed without a heartbeat; a killed worker's pages return to the queue after it. */
  readonly lockMs: number;
  /** A page's child is killed after this long on it (default 300 s); the page is retried, then failed. */
  readonly pageTimeoutMs?: number;
  /** Stops the worker like SIGINT does (for callers that embed it). */
  readonly signal?: AbortSignal;
  readonly log?: (message: string) => void;
}

/** Node flags for the forked children: the processor is TypeScript, so they need tsx's loader too. */
function childExecArgv(processor: string): string[] {
  const argv = process.execArgv.filter((a) => !a.startsWith('--inspect'));
  if (processor.endsWith('.ts') && !argv.some((a) => a.includes('tsx'))) argv.push('--import', import.meta.resolve('tsx'));
  return argv;
}

export async function runWorker(options: WorkerOptions): Promise<{ completed: number; failed: number }> {
  const log = options.log ?? (() => {});
  const processor = fileURLToPath(new URL('./page_processor.ts', import.meta.url));
  const store = new ResultStore(options.settings.db);
  let completed = 0;
  let failed = 0;
  const pageTimeoutMs = options.pageTimeoutMs ?? DEFAULT_PAGE_TIMEOUT_S * 1000;
  const worker = new WatchedWorker(options.queue, processor, {
    connection: options.connection,
    concurrency: options.concurrency,
    lockDuration: options.lockMs,
    stalledInterval: Math.max(500, Math.round(options.lockMs / 2)),
    // A worker killed mid-page stalls its jobs once; a page that stalls every worker fails.
    maxStalledCount: 2,
    useWorkerThreads: false,
    workerForkOptions: { execArgv: childExecArgv(processor), env: { ...process.env, [SETTINGS_ENV]: JSON.stringify(options.settings) } },
  }, pageTimeoutMs);
  worker.on('completed', () => void completed++);
  worker.on('failed', (job, err) => {
    if (!job) return;
    const final = job.attemptsMade >= (job.opts.attempts ?? 1);
    log(`${final ? 'failed' : 'will retry'} ${job.data.file} (attempt ${job.attemptsMade}): ${err.message}`);
    if (final) {
      failed++;
      store.saveFailure(job.data, err.message, job.attemptsMade);
    }
  });
  worker.on('error', (err) => log(`worker error: ${err.message}`));

  try {
    if (!options.untilIdle) {
      await stopSignal(options.signal);
    } else {
      await waitUntilIdle(options.queue, options.connection);
    }
  } finally {
    await worker.close();
    store.close();
  }
  return { completed, failed };
}

/** Resolves on SIGINT, SIGTERM or `signal`'s abort, and stops listening for the others. */
function stopSignal(signal?: AbortSignal): Promise<void> {
  return new Promise<void>((resolve) => {
    const stop = (): void => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      signal?.removeEventListener('abort', stop);
      resolve();
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
    if (signal?.aborted) stop();
    else signal?.addEventListener('abort', stop, { once: true });
  });
}

/** Resolves once two polls in a row see no job waiting, delayed or active. */
async function waitUntilIdle(name: string, connection: Redis): Promise<void> {
  const queue = new Queue(name, { connection });
  try {
    let idlePolls = 0;
    while (idlePolls < 2) {
      await new Promise((r) => setTimeout(r, 500));
      const c = await queue.getJobCounts('waiting', 'active', 'delayed', 'prioritized', 'waiting-children');
      idlePolls = Object.values(c).every((n) => n === 0) ? idlePolls + 1 : 0;
    }
  } finally {
    await queue.close();
  }
}
