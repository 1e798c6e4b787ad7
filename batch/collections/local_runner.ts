/**
 * `--local`: one machine, no Redis. The same job code as the queue's workers,
 * run in-process in batches, against the same store and with the same resume
 * rules: pages already stored for this model are skipped, pages that failed stay
 * failed until `retry-failed`.
 *
 * The page time limit is only as good as one process allows: a timer can give up
 * on pages that are waiting (a hung read, an engine awaiting what never comes),
 * not on synchronous work, which holds the event loop until it returns. The
 * queue's worker kills a stuck page's child process instead.
 */
import type { PageEngine } from './page_engine.js';
import type { PageJob, PageResult } from './page_result.js';
import { runPageJobs } from './page_job.js';
import { DEFAULT_PAGE_TIMEOUT_S, PageTimeoutError } from './page_timeout.js';
import type { ResultStore } from './result_store.js';

export interface LocalRunOptions {
  /** Pages recognized together. */
  readonly batchSize?: number;
  /** How long a page may take (a batch of n pages gets n times this); default 300 s. */
  readonly pageTimeoutMs?: number;
  /** Called after each batch with the pages done and failed so far. */
  readonly onProgress?: (done: number, failed: number, total: number) => void;
  readonly onFailure?: (job: PageJob, error: Error) => void;
}

export interface RunSummary {
  readonly done: number;
  readonly failed: number;
}

/** Which of `jobs` still need doing: neither stored nor failed (unless `retryFailed`). */
export function pendingJobs(jobs: readonly PageJob[], store: ResultStore, retryFailed = false): PageJob[] {
  const byCollection = new Map<string, { done: Set<string>; failed: Set<string> }>();
  const stateOf = (j: PageJob): { done: Set<string>; failed: Set<string> } => {
    const key = `${j.collection}\0${j.modelId}`;
    let s = byCollection.get(key);
    if (!s) {
      const failed = new Set(store.failures(j.collection).filter((f) => f.modelId === j.modelId).map((f) => f.pageHash));
      s = { done: store.donePages(j.collection, j.modelId), failed };
      byCollection.set(key, s);
    }
    return s;
  };
  const seen = new Set<string>();
  return jobs.filter((j) => {
    const s = stateOf(j);
    // The same scan twice in one collection is one page.
    const key = `${j.collection}\0${j.pageHash}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return !s.done.has(j.pageHash) && (retryFailed || !s.failed.has(j.pageHash));
  });
}

export async function runLocal(jobs: readonly PageJob[], engine: PageEngine, store: ResultStore, options: LocalRunOptions = {}): Promise<RunSummary> {
  const size = options.batchSize ?? 8;
  const limitMs = options.pageTimeoutMs ?? DEFAULT_PAGE_TIMEOUT_S * 1000;
  let done = 0;
  let failed = 0;
  for (let b = 0; b < jobs.length; b += size) {
    const batch = jobs.slice(b, b + size);
    const outcomes = await runWithin(batch, engine, store, limitMs);
    outcomes.forEach((o, i) => {
      const job = batch[i] as PageJob;
      if (o instanceof Error) {
        failed++;
        // One attempt per run: a deterministic error would fail again at once.
        store.saveFailure(job, o.message, 1);
        options.onFailure?.(job, o);
      } else {
        done++;
      }
    });
    options.onProgress?.(done, failed, jobs.length);
  }
  return { done, failed };
}

/**
 * `runPageJobs` within `limitMs` per page. A batch past its limit is abandoned
 * (it stores nothing more) and run again a page at a time, so only the stuck
 * pages fail, with PageTimeoutError.
 */
async function runWithin(batch: readonly PageJob[], engine: PageEngine, store: ResultStore, limitMs: number): Promise<Array<PageResult | Error>> {
  const abandon = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<'expired'>((resolve) => {
    timer = setTimeout(() => resolve('expired'), limitMs * batch.length);
  });
  const outcomes = await Promise.race([runPageJobs(batch, engine, store, abandon.signal), expired]);
  clearTimeout(timer);
  if (outcomes !== 'expired') return outcomes;
  abandon.abort();
  const [only] = batch;
  if (batch.length === 1 && only) return [new PageTimeoutError(only.file, limitMs, 'given up, though it may still be running in this process')];
  const out: Array<PageResult | Error> = [];
  for (const job of batch) out.push(...(await runWithin([job], engine, store, limitMs)));
  return out;
}
