/**
 * Dynamic micro-batching: items submitted within `maxWaitMs` of the oldest
 * queued one (and sharing its key, e.g. the decoding options) run together, up
 * to `maxBatchSize`. One batch runs at a time because decoding is CPU-bound on
 * this thread; a bounded queue turns overload into HTR_ERR_OVERLOADED (503).
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
}

export interface BatchStats {
  readonly size: number;
  readonly seconds: number;
}

interface Entry<I, O> {
  readonly key: string;
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
  submit(key: string, items: readonly I[], signal?: AbortSignal): Promise<O[]> {
    if (items.length === 0) return Promise.resolve([]);
    if (this.queue.length > 0 && this.queue.length + items.length > this.options.maxQueue) {
      return Promise.reject(htrError('HTR_ERR_OVERLOADED', { retryAfter: this.retryAfterSeconds(), queue: this.queue.length }));
    }
    if (signal?.aborted) return Promise.reject(signal.reason);
    const now = performance.now();
    const entries: Array<Entry<I, O>> = [];
    const all = Promise.all(
      items.map(
        (item) =>
          new Promise<O>((resolve, reject) => {
            entries.push({ key, item, enqueuedAt: now, resolve, reject });
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
    const oldest = this.queue[0] as Entry<I, O>;
    const sameKey = this.queue.filter((e) => e.key === oldest.key).length;
    const waited = performance.now() - oldest.enqueuedAt;
    const moreComing = this.options.moreComing?.() ?? true;
    if (sameKey >= this.options.maxBatchSize || waited >= this.options.maxWaitMs || !moreComing) {
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

  private async runNext(): Promise<void> {
    const key = (this.queue[0] as Entry<I, O>).key;
    const batch: Array<Entry<I, O>> = [];
    const rest: Array<Entry<I, O>> = [];
    for (const e of this.queue) {
      if (e.key === key && batch.length < this.options.maxBatchSize) batch.push(e);
      else rest.push(e);
    }
    this.queue = rest;
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
      // Let requests that arrived while we were busy join the next batch.
      setImmediate(() => {
        this.schedule();
        this.notifyIdle();
      });
    }
  }

  private notifyIdle(): void {
    if (this.running || this.queue.length > 0) return;
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    waiters.forEach((w) => w());
  }
}
