/**
 * `--page-timeout` on a real redis-server: a page that blocks its sandbox child
 * for good (the `fault.hang` setting) has that child killed, is retried, and ends
 * in the failed list with the timeout error, while the worker goes on with the
 * other pages and, still running, takes a page submitted later.
 */
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { connect, openQueue } from '../../../batch/collections/page_queue.js';
import { queueStatus, submitJobs } from '../../../batch/collections/queue_commands.js';
import { ResultStore } from '../../../batch/collections/result_store.js';
import { runWorker } from '../../../batch/collections/page_worker.js';
import { HAS_REDIS, pageJobs, redisFixture, until, writePages } from './helpers.js';

// Forking sandbox children is slow on a busy machine; the page timeout itself is 1 s.
const SLOW = 120_000;

describe.skipIf(!HAS_REDIS)('a stuck page on the queue (real redis-server)', () => {
  const fx = redisFixture('htr-stuck-');

  it('is killed after --page-timeout, retried, and failed with the timeout error; the other pages complete and the worker takes a later page', async () => {
    const pages = await writePages(path.join(fx.dir, 'pages'), 4, 2);
    const stuck = pages[0] as { file: string; hash: string };
    const db = path.join(fx.dir, 'stuck.db');
    const store = new ResultStore(db);
    const queue = openQueue('stuck', fx.redis);
    // The stuck page is first in the queue: the others only run if the worker survives it.
    await submitJobs(pageJobs(pages, 'letters', 'fake-noop'), queue, fx.redis, store, { attempts: 2, backoffMs: 50 });

    const log: string[] = [];
    const stop = new AbortController();
    let stopped = false;
    const running = runWorker({
      queue: 'stuck',
      connection: await connect(fx.server.url),
      settings: { ckpt_path: 'fake:noop', db, fault: { hang: path.join('pages', 'page_000.png') } },
      concurrency: 1,
      untilIdle: false,
      lockMs: 30_000,
      pageTimeoutMs: 1000,
      signal: stop.signal,
      log: (m) => log.push(m),
    }).finally(() => (stopped = true));

    try {
      await until(async () => (await queue.getJobCounts('failed')).failed === 1 && store.donePages('letters', 'fake-noop').size === 3);
      const [failed] = await queue.getFailed();
      const reason = `HTR_ERR_PAGE_TIMEOUT: Page ${stuck.file} ran longer than --page-timeout 1 s; its process was killed`;
      expect(failed?.failedReason).toBe(reason);
      expect(failed?.attemptsMade).toBe(2);
      expect(log.filter((m) => m.includes('HTR_ERR_PAGE_TIMEOUT'))).toEqual([`will retry ${stuck.file} (attempt 1): ${reason}`, `failed ${stuck.file} (attempt 2): ${reason}`]);
      expect(store.failures()).toEqual([expect.objectContaining({ file: stuck.file, pageHash: stuck.hash, code: 'HTR_ERR_PAGE_TIMEOUT', reason, attempts: 2 })]);
      const status = await queueStatus(store, queue, fx.redis);
      expect(status.queue).toMatchObject({ waiting: 0, active: 0, delayed: 0, failed: 1 });
      expect(status.collections).toEqual([expect.objectContaining({ collection: 'letters', done: 3, failed: 1, remaining: 0 })]);

      // Still running: a page submitted now is taken by the same worker.
      expect(stopped).toBe(false);
      const later = await writePages(path.join(fx.dir, 'later'), 1, 2);
      await submitJobs(pageJobs(later, 'later', 'fake-noop'), queue, fx.redis, store, { attempts: 2, backoffMs: 50 });
      await until(() => store.donePages('later', 'fake-noop').size === 1);
      expect(stopped).toBe(false);
    } finally {
      stop.abort();
      await running.catch(() => undefined);
      await queue.close();
      store.close();
    }
    expect(await running).toEqual({ completed: 4, failed: 1 });
  }, SLOW);
});
