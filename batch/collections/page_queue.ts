/**
 * The BullMQ queue of pages on Redis: its name, connection and job options, and
 * the job id, which is what makes submission idempotent: the same page for the
 * same model in the same collection always gets the same id, and BullMQ ignores
 * an add whose id it already holds.
 */
import { createHash } from 'node:crypto';
import { Queue, type JobsOptions } from 'bullmq';
import { Redis } from 'ioredis';
import { htrError } from '../../model_package/errors.js';
import type { PageJob } from './page_result.js';

export const DEFAULT_QUEUE = 'htr-pages';
export const DEFAULT_REDIS_URL = 'redis://127.0.0.1:6379';

export function redisUrl(flag?: string): string {
  return flag ?? process.env.REDIS_URL ?? DEFAULT_REDIS_URL;
}

/**
 * A connection BullMQ accepts for blocking commands (no per-request retry limit).
 * The first connect fails fast with HTR_ERR_QUEUE_UNAVAILABLE; once up, a dropped
 * connection is retried (a worker rides out a Redis restart).
 */
export async function connect(url: string): Promise<Redis> {
  let up = false;
  const redis = new Redis(url, {
    maxRetriesPerRequest: null,
    lazyConnect: true,
    connectTimeout: 5000,
    retryStrategy: (times) => (up ? Math.min(times * 500, 5000) : null),
  });
  let lastError = '';
  redis.on('error', (err: Error) => {
    // ioredis reports every failed reconnect; one line per distinct error is enough.
    if (err.message !== lastError && up) process.stderr.write(`redis: ${err.message}\n`);
    lastError = err.message;
  });
  try {
    await redis.connect();
  } catch (err) {
    redis.disconnect();
    throw htrError('HTR_ERR_QUEUE_UNAVAILABLE', { value: url, reason: err instanceof Error ? err.message : String(err) }, err);
  }
  up = true;
  return redis;
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
