/**
 * The queue side of the CLI: submit pages, count them, put failed pages back.
 * Each takes an open queue and store so tests and the CLI share them.
 */
import type { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import type { PageJob } from './page_result.js';
import { jobIdOf, jobOptions, submittedKey, type RetryPolicy } from './page_queue.js';
import { pendingJobs } from './local_runner.js';
import type { CollectionCounts, ResultStore } from './result_store.js';

export interface SubmitSummary {
  /** Pages listed (after `--shard`). */
  readonly pages: number;
  /** Pages already stored for this model: not enqueued. */
  readonly done: number;
  /** Jobs this call added; 0 when everything was submitted before. */
  readonly enqueued: number;
}

export async function submitJobs(jobs: readonly PageJob[], queue: Queue<PageJob>, redis: Redis, store: ResultStore, retry: RetryPolicy): Promise<SubmitSummary> {
  // Failed pages stay in the failed list; `retry-failed` puts them back.
  const todo = pendingJobs(jobs, store, true);
  let enqueued = 0;
  for (let b = 0; b < todo.length; b += 500) {
    const chunk = todo.slice(b, b + 500);
    const multi = redis.multi();
    for (const j of chunk) multi.sadd(submittedKey(queue.name, j.collection), jobIdOf(j));
    const added = (await multi.exec()) ?? [];
    // Adding every pending page is safe: BullMQ ignores an id it holds. SADD tells which are new.
    await queue.addBulk(chunk.map((j) => ({ name: 'page', data: j, opts: jobOptions(j, retry) })));
    enqueued += added.filter(([err, n]) => !err && n === 1).length;
  }
  return { pages: jobs.length, done: jobs.length - todo.length, enqueued };
}

export interface QueueCounts {
  readonly waiting: number;
  readonly active: number;
  readonly delayed: number;
  readonly failed: number;
  readonly completed: number;
}

export interface CollectionStatus extends CollectionCounts {
  /** Pages submitted to the queue and neither stored nor failed yet (0 without a queue). */
  readonly remaining: number;
  /** Seconds left at the recent rate (null when idle or unknown). */
  readonly etaS: number | null;
}

export interface Status {
  readonly queue: QueueCounts | null;
  readonly collections: CollectionStatus[];
}

export async function queueStatus(store: ResultStore, queue?: Queue<PageJob>, redis?: Redis, options: { readonly collection?: string; readonly windowS?: number } = {}): Promise<Status> {
  const counts = store.counts(options);
  let q: QueueCounts | null = null;
  if (queue) {
    const c = await queue.getJobCounts('waiting', 'prioritized', 'active', 'delayed', 'failed', 'completed');
    q = { waiting: (c.waiting ?? 0) + (c.prioritized ?? 0), active: c.active ?? 0, delayed: c.delayed ?? 0, failed: c.failed ?? 0, completed: c.completed ?? 0 };
  }
  const collections = await Promise.all(
    counts.map(async (c) => {
      const submitted = queue && redis ? await redis.scard(submittedKey(queue.name, c.collection)) : 0;
      const remaining = Math.max(0, submitted - c.done - c.failed);
      return { ...c, remaining, etaS: remaining && c.pagesPerS > 0 ? remaining / c.pagesPerS : remaining ? null : 0 };
    }),
  );
  return { queue: q, collections };
}

/** Puts every failed job back on the queue (fresh attempts) and clears its failure record. */
export async function retryFailedJobs(queue: Queue<PageJob>, store: ResultStore, collection?: string): Promise<number> {
  let retried = 0;
  for (const job of await queue.getFailed(0, -1)) {
    if (collection && job.data.collection !== collection) continue;
    await job.retry('failed', { resetAttemptsMade: true, resetAttemptsStarted: true });
    store.clearFailure(job.data);
    retried++;
  }
  return retried;
}
