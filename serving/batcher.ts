/**
 * Dynamic micro-batching: items submitted within `maxWaitMs` of the oldest
 * queued one (and sharing its key, e.g. the decoding options) run together, up
 * to `maxBatchSize`. One batch runs at a time because decoding is CPU-bound on
 * this thread; a bounded queue turns overload into HTR_ERR_OVERLOADED (503).
 *
 * Breathing room: a model batch blocks the event loop (tfjs runs kernels on this
 * thread), so back-to-back batches starve the reading of new requests. After each
 * batch the next one waits `pauseRatio` × its duration (at least 1 ms): a one-line
 * request arriving behind a pile of heavy ones is read and queued within a batch or
 * two instead of seconds later.
 *
 * Fair share: a batch is filled round-robin, first over clients, then over each
 * client's requests, least recently served first. A request of 60 lines queued
 * ahead of a 1-line request therefore delays it by one batch, not four.
 */
import { htrError } from '../model_package/errors.js';

export interface BatcherOptions {
  readonly maxBatchSize: number;
  readonly maxWaitMs: number;
  /** Items allowed to wait; a submission that would exceed it is refused. */
  readonly maxQueue: number;
  /**
   * Whether more work is on its way (requests still being decoded from bytes).
   * When it says no, a lone batch starts at once instead of waiting `maxWaitMs`.
   */
  readonly moreComing?: () => boolean;
  /**
   * Decoder rows one item of `key` costs (its beam width); a batch holds at most
   * `maxBatchSize` rows, so one wide-beam batch cannot hold the model for long.
   */
  readonly rowsPerItem?: (key: string) => number;
  /** Pause after a batch, as a fraction of its duration, so the event loop can read requests (default 0: 1 ms). */
  readonly pauseRatio?: number;
}

export interface BatchStats {
  readonly size: number;
  readonly seconds: number;
}

/** Who submitted: fairness is per client, then per request within a client. */
export interface Submitter {
  readonly client: string;
  readonly request: number;
}

interface Entry<I, O> {
  readonly key: string;
  readonly owner: Submitter;
  /** Arrival order, to keep a batch in queue order whatever the fair pick. */
  readonly seq: number;
  readonly item: I;
  readonly enqueuedAt: number;
  resolve(value: O): void;
  reject(err: unknown): void;
}

export type RunBatch<I, O> = (key: string, items: I[]) => Promise<O[]>;

export class MicroBatcher<I, O> {
  private queue: Array<Entry<I, O>> = [];
  private running = false;
  private timer: NodeJS.Timeout | undefined;
  private idleWaiters: Array<() => void> = [];
  /** Moving average of batch time, for Retry-After. */
  private avgBatchSeconds = 0.05;
  private seq = 0;
  /** performance.now() before which no batch starts (the pause after the last one). */
  private resumeAt = 0;
  private nextRequest = 0;
  /** Tick at which each client / request last had a line picked. */
  private tick = 0;
  private servedClient = new Map<string, number>();
  private servedRequest = new Map<number, number>();

  constructor(
    private readonly run: RunBatch<I, O>,
    private readonly options: BatcherOptions,
    private readonly onBatch?: (stats: BatchStats) => void,
  ) {}

  get depth(): number {
    return this.queue.length;
  }

  /** Seconds a refused client should wait: time to clear the current queue. */
  retryAfterSeconds(): number {
    const batches = Math.ceil((this.queue.length + 1) / this.options.maxBatchSize);
    return Math.max(1, Math.ceil(batches * this.avgBatchSeconds));
  }

  /**
   * Queues `items` (one request's lines) and resolves with their outputs in order.
   * An abort before an item's batch starts removes it from the queue.
   */
  submit(key: string, items: readonly I[], signal?: AbortSignal, client = ''): Promise<O[]> {
    if (items.length === 0) return Promise.resolve([]);
    if (this.queue.length > 0 && this.queue.length + items.length > this.options.maxQueue) {
      return Promise.reject(htrError('HTR_ERR_OVERLOADED', { retryAfter: this.retryAfterSeconds(), queue: this.queue.length }));
    }
    if (signal?.aborted) return Promise.reject(signal.reason);
    const now = performance.now();
    const owner: Submitter = { client, request: this.nextRequest++ };
    const entries: Array<Entry<I, O>> = [];
    const all = Promise.all(
      items.map(
        (item) =>
          new Promise<O>((resolve, reject) => {
            entries.push({ key, owner, seq: this.seq++, item, enqueuedAt: now, resolve, reject });
          }),
      ),
    );
    this.queue.push(...entries);
    if (signal) {
      const onAbort = (): void => {
        const pending = new Set(entries);
        const before = this.queue.length;
        this.queue = this.queue.filter((e) => !pending.has(e));
        if (this.queue.length !== before) entries.forEach((e) => e.reject(signal.reason));
        this.notifyIdle();
      };
      signal.addEventListener('abort', onAbort, { once: true });
      all.then(
        () => signal.removeEventListener('abort', onAbort),
        () => signal.removeEventListener('abort', onAbort),
      );
    }
    this.schedule();
    return all;
  }

  /** Resolves once nothing is queued or running (graceful shutdown). */
  drain(): Promise<void> {
    if (!this.running && this.queue.length === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  private schedule(): void {
    if (this.running || this.queue.length === 0) return;
    const pause = this.resumeAt - performance.now();
    if (pause > 0) {
      this.timer ??= setTimeout(() => {
        this.timer = undefined;
        this.schedule();
      }, pause);
      return;
    }
    const oldest = this.queue[0] as Entry<I, O>;
    const sameKey = this.queue.filter((e) => e.key === oldest.key).length;
    const capacity = this.capacity(oldest.key);
    const waited = performance.now() - oldest.enqueuedAt;
    const moreComing = this.options.moreComing?.() ?? true;
    if (sameKey >= capacity || waited >= this.options.maxWaitMs || !moreComing) {
      this.clearTimer();
      void this.runNext();
      return;
    }
    if (!this.timer) {
      this.timer = setTimeout(() => {
        this.timer = undefined;
        this.schedule();
      }, this.options.maxWaitMs - waited);
    }
  }

  private clearTimer(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }

  /** Items of `key` per batch: `maxBatchSize` decoder rows. */
  private capacity(key: string): number {
    return Math.max(1, Math.floor(this.options.maxBatchSize / (this.options.rowsPerItem?.(key) ?? 1)));
  }

  /** The next entry by fair share among `candidates` (in queue order): least recently served client, then request. */
  private pickFair(candidates: ReadonlyArray<Entry<I, O>>): Entry<I, O> | undefined {
    let best: Entry<I, O> | undefined;
    let bestRank: [number, number] = [Infinity, Infinity];
    for (const e of candidates) {
      const rank: [number, number] = [this.servedClient.get(e.owner.client) ?? -1, this.servedRequest.get(e.owner.request) ?? -1];
      // Strictly better only: ties keep the earlier entry (FIFO within a request).
      if (rank[0] < bestRank[0] || (rank[0] === bestRank[0] && rank[1] < bestRank[1])) {
        best = e;
        bestRank = rank;
      }
    }
    if (best) {
      this.tick++;
      this.servedClient.set(best.owner.client, this.tick);
      this.servedRequest.set(best.owner.request, this.tick);
    }
    return best;
  }

  private async runNext(): Promise<void> {
    const first = this.pickFair(this.queue) as Entry<I, O>;
    const key = first.key;
    const chosen = new Set<Entry<I, O>>([first]);
    let candidates = this.queue.filter((e) => e.key === key && e !== first);
    const capacity = this.capacity(key);
    while (chosen.size < capacity && candidates.length > 0) {
      const next = this.pickFair(candidates) as Entry<I, O>;
      chosen.add(next);
      candidates = candidates.filter((e) => e !== next);
    }
    const batch = [...chosen].sort((a, b) => a.seq - b.seq);
    this.queue = this.queue.filter((e) => !chosen.has(e));
    this.forgetServed();
    this.running = true;
    const start = performance.now();
    try {
      const outputs = await this.run(key, batch.map((e) => e.item));
      batch.forEach((e, i) => e.resolve(outputs[i] as O));
    } catch (err) {
      batch.forEach((e) => e.reject(err));
    } finally {
      const seconds = (performance.now() - start) / 1000;
      this.avgBatchSeconds = 0.8 * this.avgBatchSeconds + 0.2 * seconds;
      this.running = false;
      this.onBatch?.({ size: batch.length, seconds });
      this.resumeAt = performance.now() + Math.max(1, (this.options.pauseRatio ?? 0) * seconds * 1000);
      // Let requests that arrived while we were busy join the next batch.
      setImmediate(() => {
        this.schedule();
        this.notifyIdle();
      });
    }
  }

  /** Drops fairness records of requests and clients with nothing queued. */
  private forgetServed(): void {
    const requests = new Set(this.queue.map((e) => e.owner.request));
    const clients = new Set(this.queue.map((e) => e.owner.client));
    for (const r of this.servedRequest.keys()) if (!requests.has(r)) this.servedRequest.delete(r);
    // Clients are remembered while queued so a new request from a busy client does not jump ahead.
    for (const c of this.servedClient.keys()) if (!clients.has(c)) this.servedClient.delete(c);
  }

  private notifyIdle(): void {
    if (this.running || this.queue.length > 0) return;
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    waiters.forEach((w) => w());
  }
}
