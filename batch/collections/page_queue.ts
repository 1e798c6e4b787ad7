/**
 * The BullMQ queue of pages on Redis: its name, connection and job options, and
 * the job id, which is what makes submission idempotent: the same page for the
 * same model in the same collection always gets the same id, and BullMQ ignores
 * an add whose id it already holds.
 */
import { createHash } from 'node:crypto';
import { Queue, type JobsOptions } from 'bullmq';
import { Redis } from 'ioredis';
import type { PageJob } from './page_result.js';

export const DEFAULT_QUEUE = 'htr-pages';
export const DEFAULT_REDIS_URL = 'redis://127.0.0.1:6379';

export function redisUrl(flag?: string): string {
  return flag ?? process.env.REDIS_URL ?? DEFAULT_REDIS_URL;
}

/** A connection BullMQ accepts for blocking commands (no per-request retry limit). */
export function connect(url: string): Redis {
  return new Redis(url, { maxRetriesPerRequest: null });
}

/** `<collection tag>.<page sha256>.<model id prefix>`: BullMQ ids may not contain ':'. */
export function jobIdOf(job: Pick<PageJob, 'collection' | 'pageHash' | 'modelId'>): string {
  const tag = createHash('sha256').update(job.collection).digest('hex').slice(0, 8);
  return `${tag}.${job.pageHash}.${job.modelId.slice(0, 16)}`;
}

export interface RetryPolicy {
  /** Tries per page before it lands in the failed list. */
  readonly attempts: number;
  /** First retry delay; doubles each time. */
  readonly backoffMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = { attempts: 3, backoffMs: 5000 };

export function jobOptions(job: PageJob, retry: RetryPolicy): JobsOptions {
  return {
    jobId: jobIdOf(job),
    attempts: retry.attempts,
    backoff: { type: 'exponential', delay: retry.backoffMs },
    // Results live in SQLite; Redis keeps finished jobs only briefly, failed ones until retried.
    removeOnComplete: { age: 24 * 3600, count: 100_000 },
    removeOnFail: false,
  };
}

/** Redis set of the job ids submitted per collection (status counts "waiting" from it). */
export function submittedKey(queue: string, collection: string): string {
  return `htr:${queue}:submitted:${collection}`;
}

export function openQueue(name: string, connection: Redis): Queue<PageJob> {
  return new Queue<PageJob>(name, { connection });
}
