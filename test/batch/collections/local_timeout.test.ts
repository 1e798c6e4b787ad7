/**
 * `--local` and the page time limit: a page whose engine never answers fails
 * with the timeout error while the rest of its batch is stored, and a result
 * that arrives after the run gave up on it is not stored.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runLocal } from '../../../batch/collections/local_runner.js';
import type { PageEngine, PageInput } from '../../../batch/collections/page_engine.js';
import type { PageResult } from '../../../batch/collections/page_result.js';
import { ResultStore } from '../../../batch/collections/result_store.js';
import { pageJobs, writePages } from './helpers.js';

/** One empty line per page; `page_001.png` answers only after `slowMs` (never, if Infinity). */
function engineWithSlowPage(slowMs: number): PageEngine {
  const result: PageResult = { width: 1, height: 1, lines: [{ box: { left: 0, top: 0, right: 1, bottom: 1 }, text: 'x', confidence: 1, chars: [] }] };
  return {
    modelId: 'slow',
    async recognize(pages: readonly PageInput[]) {
      if (pages.some((p) => p.label.endsWith('page_001.png'))) {
        await new Promise((resolve) => {
          if (Number.isFinite(slowMs)) setTimeout(resolve, slowMs);
        });
      }
      return pages.map(() => result);
    },
    dispose() {},
  };
}

describe('--local page time limit', () => {
  let dir: string;
  let pages: Array<{ file: string; hash: string }>;
  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'htr-local-timeout-'));
    pages = await writePages(path.join(dir, 'pages'), 4, 1);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('fails only the page that never answers; the rest of its batch is stored', async () => {
    const store = new ResultStore(path.join(dir, 'never.db'));
    try {
      const r = await runLocal(pageJobs(pages, 'c', 'slow'), engineWithSlowPage(Infinity), store, { batchSize: 4, pageTimeoutMs: 100 });
      expect(r).toEqual({ done: 3, failed: 1 });
      expect([...store.donePages('c', 'slow')].sort()).toEqual([pages[0], pages[2], pages[3]].map((p) => p?.hash).sort());
      const stuck = pages[1]?.file;
      expect(store.failures()).toEqual([
        expect.objectContaining({ file: stuck, attempts: 1, code: 'HTR_ERR_PAGE_TIMEOUT', reason: `HTR_ERR_PAGE_TIMEOUT: Page ${stuck} ran longer than --page-timeout 0.1 s; given up, though it may still be running in this process` }),
      ]);
    } finally {
      store.close();
    }
  });

  it('does not store a result that arrives after the run gave up on its page', async () => {
    const store = new ResultStore(path.join(dir, 'late.db'));
    try {
      const r = await runLocal(pageJobs(pages, 'c', 'slow'), engineWithSlowPage(1000), store, { batchSize: 4, pageTimeoutMs: 100 });
      expect(r).toEqual({ done: 3, failed: 1 });
      // Both abandoned runs of page_001 (in its batch, then alone) answer within the next second.
      await new Promise((resolve) => setTimeout(resolve, 1200));
      expect(store.donePages('c', 'slow').has(pages[1]?.hash as string)).toBe(false);
    } finally {
      store.close();
    }
  });
});
