/**
 * GET /v1/search and the /search page over an htr_batch store: hits with page,
 * box, text and highlight spans; the line crops and page images they link to;
 * and the page itself in headless Chromium (skipped without a browser).
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../batch/collections/cli.js';
import { testServer, useCpu } from './helpers.js';
import { writePages } from '../batch/collections/helpers.js';

const CHROMIUM = process.env.HTR_CHROMIUM ?? '/usr/bin/chromium';
const FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];
const haveBrowser = existsSync(CHROMIUM);
if (!haveBrowser) console.warn(`[search page e2e] SKIPPED: no Chromium at ${CHROMIUM}. Install it with "apt-get install -y chromium" (or set HTR_CHROMIUM).`);

interface Hit {
  collection: string;
  file: string;
  page_hash: string;
  line: number;
  box: { left: number; top: number; right: number; bottom: number };
  text: string;
  highlights: Array<[number, number]>;
  page_url: string;
  crop_url: string;
}

describe('search over htr_batch results', () => {
  let dir: string;
  let db: string;
  let pages: Array<{ file: string; hash: string }>;
  let app: FastifyInstance;

  beforeAll(async () => {
    await useCpu();
    dir = mkdtempSync(path.join(tmpdir(), 'htr-search-'));
    pages = await writePages(path.join(dir, 'pages'), 4, 3);
    db = path.join(dir, 'c.db');
    const quiet = { stdout: { write: () => true }, stderr: { write: () => true } };
    expect(await main(['submit', path.join(dir, 'pages'), '--collection', 'letters', '--local', '--ckpt_path', 'fake:segment', '--db', db], quiet)).toBe(0);
    app = await testServer({ docs: false, collections_db: db });
  });
  afterAll(async () => {
    await app?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('GET /v1/search finds a known line with its page, box and highlight; crop and page image are served', async () => {
    const p = pages[2]!;
    const tag = `p${p.hash.slice(0, 8)}`;
    const res = await app.inject({ url: `/v1/search?q=${encodeURIComponent(`${tag} line 3`)}&collection=letters` });
    expect(res.statusCode).toBe(200);
    const { hits } = res.json() as { hits: Hit[] };
    expect(hits[0]).toMatchObject({ collection: 'letters', file: p.file, page_hash: p.hash, line: 2, text: `${tag} line 3` });
    expect(hits[0]!.highlights).toEqual([[0, 9], [10, 14], [15, 16]]);

    const crop = await app.inject({ url: hits[0]!.crop_url });
    expect(crop.headers['content-type']).toBe('image/png');
    const meta = await sharp(crop.rawPayload).metadata();
    expect(meta.width).toBe(hits[0]!.box.right - hits[0]!.box.left);
    expect(meta.height).toBe(hits[0]!.box.bottom - hits[0]!.box.top);
    const image = await app.inject({ url: hits[0]!.page_url });
    expect(image.statusCode).toBe(200);
    expect(image.rawPayload.equals(readFileSync(p.file))).toBe(true);

    expect((await app.inject({ url: '/v1/search?q=Manchester' })).json()).toEqual({ q: 'Manchester', hits: [] });
    expect((await app.inject({ url: `/v1/search?q=${tag}&collection=other` })).json().hits).toEqual([]);
    expect((await app.inject({ url: '/v1/search' })).statusCode).toBe(400);
    expect((await app.inject({ url: `/v1/pages/${'0'.repeat(64)}/image?collection=letters` })).json().error.code).toBe('HTR_ERR_NO_COLLECTIONS');
  });

  it('without --collections_db the search answers HTR_ERR_NO_COLLECTIONS', async () => {
    const bare = await testServer({ docs: false });
    try {
      const res = await bare.inject({ url: '/v1/search?q=x' });
      expect(res.statusCode).toBe(404);
      expect(res.json().error.code).toBe('HTR_ERR_NO_COLLECTIONS');
    } finally {
      await bare.close();
    }
  });

  describe.skipIf(!haveBrowser)('the /search page in headless Chromium', () => {
    it('lists the matching line with its crop, highlights the match and links to the page image', async () => {
      await app.listen({ host: '127.0.0.1', port: 0 });
      const addr = app.server.address();
      if (typeof addr !== 'object' || !addr) throw new Error('server has no address');
      const base = `http://127.0.0.1:${addr.port}`;
      const { chromium } = await import('playwright-core');
      const browser = await chromium.launch({ executablePath: CHROMIUM, args: FLAGS });
      try {
        const page = await browser.newPage();
        await page.goto(`${base}/search`);
        const p = pages[1]!;
        const tag = `p${p.hash.slice(0, 8)}`;
        await page.fill('#q', `${tag} line 2`);
        await page.click('button[type=submit]');
        await page.waitForSelector('#status[data-state="done"]', { timeout: 60_000 });
        const shown = await page.evaluate(() => {
          const hit = document.querySelector('.hit') as HTMLElement;
          const img = hit.querySelector('img') as HTMLImageElement;
          return {
            count: document.querySelectorAll('.hit').length,
            text: (hit.querySelector('.text') as HTMLElement).textContent,
            marks: Array.from(hit.querySelectorAll('mark')).map((m) => m.textContent),
            link: (hit.querySelector('.where a') as HTMLAnchorElement).getAttribute('href'),
            imgLoaded: img.complete && img.naturalWidth > 0,
            status: (document.getElementById('status') as HTMLElement).textContent,
          };
        });
        expect(shown.text).toBe(`${tag} line 2`);
        expect(shown.marks).toEqual([tag, 'line', '2']);
        expect(shown.link).toBe(`/v1/pages/${p.hash}/image?collection=letters`);
        await page.waitForFunction(() => {
          const img = document.querySelector('.hit img') as HTMLImageElement | null;
          return !!img && img.complete && img.naturalWidth > 0;
        });
        expect(shown.status).toMatch(/line/);
        // The link opens the page image itself.
        const res = await page.goto(`${base}${shown.link}`);
        expect(res?.headers()['content-type']).toBe('image/png');
        // A shared URL searches on load.
        await page.goto(`${base}/search?q=Manchester`);
        await page.waitForSelector('#status[data-state="done"]');
        expect(await page.textContent('#status')).toBe('No line matches.');
      } finally {
        await browser.close();
      }
    });
  });
});
