/**
 * A BullMQ Worker whose sandboxed pages have a time limit. A page stuck in a
 * synchronous loop cannot be stopped by a timer in its own thread, so the
 * worker, another process, kills it: the child reports its pid (as the job's
 * progress) when it starts the page, and `pageTimeoutMs` later the worker
 * SIGKILLs that child. BullMQ's sandbox rejects a job whose child exits
 * ("Unexpected exit code: null signal: SIGKILL") and drops the dead child from
 * its pool; this class turns that rejection into a PageTimeoutError, so the job
 * is retried with its backoff, then failed with that error, like any other.
 */
import { Worker, type Job, type WorkerOptions as BullWorkerOptions } from 'bullmq';
import type { PageJob } from './page_result.js';
import type { PageOutcome } from './worker_settings.js';
import { isPageStarted, PageTimeoutError } from './page_timeout.js';

type PageQueueJob = Job<PageJob, PageOutcome>;

interface Watch {
  timer?: NodeJS.Timeout;
  timedOut: boolean;
}

export class WatchedWorker extends Worker<PageJob, PageOutcome> {
  /** Keyed by the Job object: each attempt gets a new one, so a late report from an earlier attempt arms nothing. */
  private readonly watches = new Map<PageQueueJob, Watch>();

  constructor(queue: string, processor: string, opts: BullWorkerOptions, private readonly pageTimeoutMs: number) {
    // Started below, once this subclass is set up.
    super(queue, processor, { ...opts, autorun: false });
    this.on('progress', (job, progress) => this.arm(job, progress));
    if (opts.autorun !== false) this.run().catch((err: Error) => this.emit('error', err));
  }

  protected override async callProcessJob(job: PageQueueJob, token: string, signal?: AbortSignal): Promise<PageOutcome> {
    const watch: Watch = { timedOut: false };
    this.watches.set(job, watch);
    try {
      return await super.callProcessJob(job, token, signal);
    } catch (err) {
      if (watch.timedOut) throw new PageTimeoutError(job.data.file, this.pageTimeoutMs, 'its process was killed', err);
      throw err;
    } finally {
      clearTimeout(watch.timer);
      this.watches.delete(job);
    }
  }

  private arm(job: PageQueueJob, progress: unknown): void {
    const watch = this.watches.get(job);
    if (!watch || watch.timer || !isPageStarted(progress)) return;
    watch.timer = setTimeout(() => {
      watch.timedOut = true;
      try {
        process.kill(progress.pid, 'SIGKILL');
      } catch {
        // Already gone: the sandbox reports its exit.
      }
    }, this.pageTimeoutMs);
  }
}
