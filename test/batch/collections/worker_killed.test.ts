/**
 * A worker process killed with SIGKILL mid-page (real redis-server): its
 * sandbox child cannot be stopped by it, so the child leaves on its own once
 * its channel to the worker closes, instead of living on as an orphan.
 */
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { connect, openQueue } from '../../../batch/collections/page_queue.js';
import { submitJobs } from '../../../batch/collections/queue_commands.js';
import { ResultStore } from '../../../batch/collections/result_store.js';
import { isPageStarted } from '../../../batch/collections/page_timeout.js';
import { cli, HAS_REDIS, pageJobs, redisFixture, until, writePages } from './helpers.js';

const SLOW = 120_000;

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe.skipIf(!HAS_REDIS)('a worker killed with SIGKILL (real redis-server)', () => {
  const fx = redisFixture('htr-orphan-');

  it('leaves no sandbox child behind', async () => {
    const pages = await writePages(path.join(fx.dir, 'pages'), 1, 2);
    const db = path.join(fx.dir, 'orphan.db');
    const store = new ResultStore(db);
    const queue = openQueue('orphan', fx.redis);
    let child = 0;
    try {
      await submitJobs(pageJobs(pages, 'c', 'fake-segment'), queue, fx.redis, store, { attempts: 2, backoffMs: 50 });
      const worker = cli(['worker', '--ckpt_path', 'fake:segment:5000', '--db', db, '--queue', 'orphan', '--redis_url', fx.server.url]);
      await until(async () => {
        const [job] = await queue.getActive();
        if (isPageStarted(job?.progress)) child = job.progress.pid;
        return child > 0;
      }, 50);
      worker.proc.kill('SIGKILL');
      expect((await worker.done).code).toBe('SIGKILL');
      // Well before its 5 s page would have ended.
      const t0 = Date.now();
      await until(() => !alive(child) || Date.now() - t0 > 4000, 100);
      expect(alive(child)).toBe(false);
    } finally {
      if (child && alive(child)) process.kill(child, 'SIGKILL');
      await queue.close();
      store.close();
    }
  }, SLOW);
});
