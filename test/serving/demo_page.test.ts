/**
 * End-to-end: the demo page in real headless Chromium (Debian's `chromium`,
 * driven by playwright-core). Skipped, with a message, when the browser is not
 * installed (`apt-get install -y chromium`; .ci/run installs it).
 */
import { existsSync, mkdirSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import type { Browser, Page } from 'playwright-core';
import { CHROMIUM_MISSING, HAVE_CHROMIUM, launchChromium } from '../helpers/chromium.js';
import { linePng, testServer, useCpu } from './helpers.js';

if (!HAVE_CHROMIUM) console.warn(`[demo page e2e] SKIPPED: ${CHROMIUM_MISSING}`);

interface ApiAnswer {
  text: string;
  confidence: number;
  chars: Array<{ char: string; p: number }>;
}

describe.skipIf(!HAVE_CHROMIUM)('demo page in headless Chromium', () => {
  let app: FastifyInstance;
  let browser: Browser;
  let page: Page;
  let base: string;

  beforeAll(async () => {
    await useCpu();
    app = await testServer({ docs: false });
    await app.listen({ host: '127.0.0.1', port: 0 });
    const addr = app.server.address();
    if (typeof addr !== 'object' || !addr) throw new Error('server has no address');
    base = `http://127.0.0.1:${addr.port}`;
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 900, height: 900 } });
  });
  afterAll(async () => {
    await browser?.close();
    await app?.close();
  });

  async function api(body: { payload: Buffer; type: string } | { json: unknown }): Promise<ApiAnswer> {
    const res = await fetch(`${base}/v1/predict`, {
      method: 'POST',
      headers: { 'content-type': 'json' in body ? 'application/json' : body.type },
      body: 'json' in body ? JSON.stringify(body.json) : new Uint8Array(body.payload),
    });
    expect(res.status).toBe(200);
    return (await res.json()) as ApiAnswer;
  }

  async function shownResult(): Promise<{ text: string; spans: number; shaded: string[]; meta: string }> {
    await page.waitForSelector('#status[data-state="done"]', { timeout: 60_000 });
    return page.evaluate(() => {
      const out = document.getElementById('result-text') as HTMLElement;
      const spans = Array.from(out.querySelectorAll('span'));
      return {
        text: out.dataset.text ?? '',
        spans: spans.length,
        shaded: spans.map((s) => s.style.backgroundColor),
        meta: (document.getElementById('result-meta') as HTMLElement).textContent ?? '',
      };
    });
  }

  it('uploading a line image shows the same text as the API, shaded per character, with latency', async () => {
    const png = await linePng(42, 256, 28);
    const expected = await api({ payload: png, type: 'image/png' });
    await page.goto(base);
    await page.setInputFiles('#file', { name: 'line.png', mimeType: 'image/png', buffer: png });
    const shown = await shownResult();
    expect(shown.text).toBe(expected.text);
    expect(shown.spans).toBe([...expected.text].length);
    expect(shown.shaded.every((c) => c.startsWith('rgba('))).toBe(true);
    expect(shown.meta).toMatch(/ms on the server/);
    // The static demo's contract for automation holds here too.
    expect(await page.getAttribute('[data-testid="result-text"]', 'data-state')).toBe('done');
    mkdirSync('artifacts', { recursive: true });
    await page.screenshot({ path: 'artifacts/demo_page_upload.png', fullPage: true });
    expect(existsSync('artifacts/demo_page_upload.png')).toBe(true);
  });

  it('drawing on the canvas with the mouse and pressing Recognize uses the same API', async () => {
    await page.goto(base);
    const box = await page.locator('#pad').boundingBox();
    if (!box) throw new Error('no canvas');
    await page.mouse.move(box.x + 40, box.y + 60);
    await page.mouse.down();
    for (let i = 1; i <= 20; i++) await page.mouse.move(box.x + 40 + i * 15, box.y + 50 + (i % 2 ? -20 : 20));
    await page.mouse.up();
    const drawn = await page.evaluate(() => (document.getElementById('pad') as HTMLCanvasElement).toDataURL('image/png'));
    const expected = await api({ json: { image: drawn } });
    await page.click('#recognize-drawing');
    const shown = await shownResult();
    expect(shown.text).toBe(expected.text);
    await page.screenshot({ path: 'artifacts/demo_page_drawing.png', fullPage: true });
  });

  it('shows the server error for a file that is not an image', async () => {
    await page.goto(base);
    await page.setInputFiles('#file', { name: 'fake.png', mimeType: 'image/png', buffer: Buffer.from('not an image') });
    await page.waitForSelector('#status[data-state="error"]', { timeout: 30_000 });
    expect(await page.textContent('#status')).toMatch(/HTR_ERR_BAD_IMAGE/);
  });
});
