/**
 * A sandbox child killed with SIGKILL in the middle of a page (found by the pid
 * it reports as the job's progress), on a real redis-server: BullMQ fails that
 * attempt, the page is retried in a fresh child and stored exactly once; the
 * error is the child's exit, not a page timeout.
 */
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { connect, openQueue } from '../../../batch/collections/page_queue.js';
import { submitJobs } from '../../../batch/collections/queue_commands.js';
import { ResultStore } from '../../../batch/collections/result_store.js';
import { isPageStarted } from '../../../batch/collections/page_timeout.js';
import { runWorker } from '../../../batch/collections/page_worker.js';
import { HAS_REDIS, pageJobs, redisFixture, until, writePages } from './helpers.js';

const SLOW = 120_000;
const LINES = 3;

describe.skipIf(!HAS_REDIS)('a sandbox child killed mid-page (real redis-server)', () => {
  const fx = redisFixture('htr-child-');

  it('is retried in a fresh child; the page is stored exactly once', async () => {
    const pages = await writePages(path.join(fx.dir, 'pages'), 2, LINES);
    const db = path.join(fx.dir, 'child.db');
    const store = new ResultStore(db);
    const queue = openQueue('child', fx.redis);
    await submitJobs(pageJobs(pages, 'letters', 'fake-segment'), queue, fx.redis, store, { attempts: 3, backoffMs: 50 });

    const log: string[] = [];
    const stop = new AbortController();
    // Each page takes 2.5 s, so the kill lands while the first one runs.
    const running = runWorker({
      queue: 'child',
      connection: await connect(fx.server.url),
      settings: { ckpt_path: 'fake:segment:2500', db },
      concurrency: 1,
      untilIdle: false,
      lockMs: 30_000,
      signal: stop.signal,
      log: (m) => log.push(m),
    });

    try {
      let victim: { id: string; pid: number } | undefined;
      await until(async () => {
        const [job] = await queue.getActive();
        if (job?.id && isPageStarted(job.progress)) victim = { id: job.id, pid: job.progress.pid };
        return victim !== undefined;
      }, 50);
      const { id, pid } = victim as { id: string; pid: number };
      process.kill(pid, 'SIGKILL');
      await until(() => store.donePages('letters', 'fake-segment').size === 2);

      const job = await queue.getJob(id);
      expect(await job?.getState()).toBe('completed');
      expect(job?.returnvalue).toEqual({ lines: LINES });
      const file = job?.data.file;
      expect(log).toEqual([`will retry ${file} (attempt 1): Unexpected exit code: null signal: SIGKILL`]);
      expect(store.failures()).toEqual([]);
      const stored = [...store.pages({ collection: 'letters' })];
      expect(stored.map((p) => p.pageHash).sort()).toEqual(pages.map((p) => p.hash).sort());
      for (const p of stored) expect(p.lines.map((l) => l.text)).toEqual([1, 2, 3].map((n) => `p${p.pageHash.slice(0, 8)} line ${n}`));
    } finally {
      stop.abort();
      await running.catch(() => undefined);
      await queue.close();
      store.close();
    }
    expect(await running).toEqual({ completed: 2, failed: 0 });
  }, SLOW);
});
