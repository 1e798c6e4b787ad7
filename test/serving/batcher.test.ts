import { describe, expect, it } from 'vitest';
import { MicroBatcher } from '../../serving/batcher.js';
import { isHtrError } from '../../model_package/errors.js';

function recordingBatcher(opts: { maxBatchSize: number; maxWaitMs: number; maxQueue: number }, delayMs = 0) {
  const batches: Array<{ key: string; items: number[] }> = [];
  const batcher = new MicroBatcher<number, string>(async (key, items) => {
    batches.push({ key, items: [...items] });
    if (delayMs) await new Promise((r) => setTimeout(r, delayMs));
    return items.map((i) => `${key}:${i * 10}`);
  }, opts);
  return { batcher, batches };
}

describe('MicroBatcher', () => {
  it('decodes requests arriving within the wait window together, results in order', async () => {
    const { batcher, batches } = recordingBatcher({ maxBatchSize: 8, maxWaitMs: 20, maxQueue: 100 });
    const results = await Promise.all([batcher.submit('g', [1]), batcher.submit('g', [2, 3]), batcher.submit('g', [4])]);
    expect(results).toEqual([['g:10'], ['g:20', 'g:30'], ['g:40']]);
    expect(batches).toEqual([{ key: 'g', items: [1, 2, 3, 4] }]);
  });

  it('starts a lone batch at once when nothing else is on its way', async () => {
    let coming = false;
    const batcher = new MicroBatcher<number, number>(async (_k, items) => items, { maxBatchSize: 8, maxWaitMs: 5_000, maxQueue: 10, moreComing: () => coming });
    const t0 = performance.now();
    expect(await batcher.submit('k', [1])).toEqual([1]);
    expect(performance.now() - t0).toBeLessThan(1_000); // did not wait the 5 s window
    coming = true;
    const waiting = batcher.submit('k', [2]);
    await new Promise((r) => setTimeout(r, 30));
    expect(batcher.depth).toBe(1); // still waiting for company
    coming = false;
    const joined = batcher.submit('k', [3]); // a new arrival re-checks: nothing else coming, go
    expect(await Promise.all([waiting, joined])).toEqual([[2], [3]]);
  });

  it('splits at maxBatchSize and keeps different keys in different batches', async () => {
    const { batcher, batches } = recordingBatcher({ maxBatchSize: 3, maxWaitMs: 5, maxQueue: 100 });
    const pending = [1, 2, 3, 4, 5].map((i) => batcher.submit(i % 2 ? 'a' : 'b', [i]));
    const out = await Promise.all(pending);
    expect(out.flat()).toEqual(['a:10', 'b:20', 'a:30', 'b:40', 'a:50']);
    for (const b of batches) {
      expect(b.items.length).toBeLessThanOrEqual(3);
      expect(b.items.every((i) => (i % 2 ? 'a' : 'b') === b.key)).toBe(true);
    }
    expect(batches.flatMap((b) => b.items).sort()).toEqual([1, 2, 3, 4, 5]);
  });

  it('collects requests that arrive while a batch is running into the next batch', async () => {
    const { batcher, batches } = recordingBatcher({ maxBatchSize: 16, maxWaitMs: 1, maxQueue: 100 }, 30);
    const first = batcher.submit('k', [0]);
    await new Promise((r) => setTimeout(r, 5)); // first batch is now running
    const later = [1, 2, 3, 4].map((i) => batcher.submit('k', [i]));
    await Promise.all([first, ...later]);
    expect(batches.map((b) => b.items)).toEqual([[0], [1, 2, 3, 4]]);
  });

  it('pauses pauseRatio x the last batch time before the next batch, so requests can be read', async () => {
    const spans: Array<[number, number]> = [];
    const batcher = new MicroBatcher<number, number>(
      async (_k, items) => {
        const start = performance.now();
        while (performance.now() - start < 40); // a batch that blocks the event loop, like a model run
        spans.push([start, performance.now()]);
        return items;
      },
      { maxBatchSize: 1, maxWaitMs: 0, maxQueue: 10, moreComing: () => false, pauseRatio: 0.5 },
    );
    await Promise.all([1, 2, 3].map((i) => batcher.submit('k', [i])));
    expect(spans).toHaveLength(3);
    for (let i = 1; i < spans.length; i++) {
      const [prevStart, prevEnd] = spans[i - 1] as [number, number];
      const gap = (spans[i] as [number, number])[0] - prevEnd;
      expect(gap).toBeGreaterThanOrEqual(0.5 * (prevEnd - prevStart) - 1);
    }
  });

  it('refuses work beyond the queue bound with HTR_ERR_OVERLOADED and a retry hint', async () => {
    const { batcher } = recordingBatcher({ maxBatchSize: 8, maxWaitMs: 50, maxQueue: 3 });
    const ok = batcher.submit('k', [1, 2, 3]);
    const refused = batcher.submit('k', [4]);
    await expect(refused).rejects.toSatisfy((e: unknown) => isHtrError(e, 'HTR_ERR_OVERLOADED') && Number(e.details.retryAfter) >= 1);
    expect(await ok).toEqual(['k:10', 'k:20', 'k:30']);
  });

  it('drops aborted items that have not started and rejects them with the abort reason', async () => {
    const { batcher, batches } = recordingBatcher({ maxBatchSize: 8, maxWaitMs: 30, maxQueue: 100 });
    const ac = new AbortController();
    const dropped = batcher.submit('k', [1], ac.signal);
    const kept = batcher.submit('k', [2]);
    ac.abort(new Error('timed out'));
    await expect(dropped).rejects.toThrow('timed out');
    expect(await kept).toEqual(['k:20']);
    expect(batches).toEqual([{ key: 'k', items: [2] }]);
    expect(batcher.depth).toBe(0);
  });

  it('propagates a failing batch to all its callers and keeps serving', async () => {
    let fail = true;
    const batcher = new MicroBatcher<number, number>(async (_k, items) => {
      if (fail) throw new Error('boom');
      return items;
    }, { maxBatchSize: 4, maxWaitMs: 1, maxQueue: 10 });
    await expect(Promise.all([batcher.submit('k', [1]), batcher.submit('k', [2])])).rejects.toThrow('boom');
    fail = false;
    expect(await batcher.submit('k', [3])).toEqual([3]);
  });

  it('drain waits for queued and running work', async () => {
    const { batcher } = recordingBatcher({ maxBatchSize: 1, maxWaitMs: 1, maxQueue: 10 }, 10);
    let done = 0;
    [1, 2, 3].forEach((i) => void batcher.submit('k', [i]).then(() => done++));
    await batcher.drain();
    expect(done).toBe(3);
    expect(batcher.depth).toBe(0);
  });

  it('fills batches round-robin over clients, then requests: a late small request is not starved', async () => {
    const { batcher, batches } = recordingBatcher({ maxBatchSize: 4, maxWaitMs: 0, maxQueue: 100 }, 10);
    const big = batcher.submit('k', [1, 2, 3, 4, 5, 6, 7, 8, 9, 10], undefined, 'a');
    await new Promise((r) => setTimeout(r, 2)); // first batch running
    const other = batcher.submit('k', [100, 101], undefined, 'b');
    const sameClient = batcher.submit('k', [200], undefined, 'a');
    await Promise.all([big, other, sameClient]);
    // Second batch: b's lines and a's new request get turns beside the big request.
    expect(batches[0]!.items).toEqual([1, 2, 3, 4]);
    expect(batches[1]!.items.sort((x, y) => x - y)).toEqual([5, 100, 101, 200]);
  });

  it('counts decoder rows: wide-beam items make smaller batches', async () => {
    const batches: number[][] = [];
    const batcher = new MicroBatcher<number, number>(async (_k, items) => (batches.push([...items]), items), {
      maxBatchSize: 8,
      maxWaitMs: 1,
      maxQueue: 100,
      rowsPerItem: (key) => Number(key),
    });
    await Promise.all([batcher.submit('4', [1, 2, 3, 4, 5]), batcher.submit('1', [6, 7, 8])]);
    expect(batches).toEqual([[1, 2], [6, 7, 8], [3, 4], [5]]);
  });
});
