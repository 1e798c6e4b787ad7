/**
 * "Done when" of the in-browser demo: `npm run build:web` output served by a plain
 * static server (every /v1/* request refused), opened in headless Chromium; the
 * uploaded sample line must read exactly as `loadRecognizer(...).recognize(...)`
 * reads it in Node, for whatever checkpoint models/demo/ holds.
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { buildWeb } from '../../scripts/build_web.js';
import { loadRecognizer } from '../../model_package/api/node.js';
import { HAVE_CHROMIUM, launchChromium, serveStatic, warnNoChromium, type StaticServer } from '../helpers/browser.js';

const CKPT = 'models/demo/demo.ckpt';
const SAMPLE = 'models/demo/sample_line.png';
warnNoChromium('browser demo e2e');

describe.skipIf(!HAVE_CHROMIUM)('static in-browser demo in headless Chromium', () => {
  let server: StaticServer;
  let browser: Browser;
  let page: Page;
  const consoleErrors: string[] = [];
  // Its own output folder: other test files build dist/web/ concurrently.
  const webDir = mkdtempSync(path.join(tmpdir(), 'htr-web-'));

  beforeAll(async () => {
    await buildWeb(webDir);
    server = await serveStatic(webDir);
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 900, height: 1000 } });
    page.on('console', (m) => m.type() === 'error' && consoleErrors.push(m.text()));
  });
  afterAll(async () => {
    await browser?.close();
    await server?.close();
    rmSync(webDir, { recursive: true, force: true });
  });

  async function shownResult(): Promise<{ text: string; spans: number; shaded: string[]; meta: string }> {
    await page.waitForSelector('[data-testid="result-text"][data-state="done"]', { timeout: 90_000 });
    return page.evaluate(() => {
      const out = document.querySelector('[data-testid="result-text"]') as HTMLElement;
      const spans = Array.from(out.querySelectorAll('span'));
      return { text: out.textContent ?? '', spans: spans.length, shaded: spans.map((s) => s.style.backgroundColor), meta: document.getElementById('result-meta')?.textContent ?? '' };
    });
  }

  it('recognizes the uploaded sample line exactly as Node does, with no request to /v1/*', async () => {
    const recognizer = await loadRecognizer(CKPT);
    const expected = await recognizer.recognize(SAMPLE);
    recognizer.dispose();

    await page.goto(server.url);
    expect(await page.locator('input[type=file]').count()).toBe(1);
    await page.waitForSelector('#model-status[data-state="ready"]', { timeout: 90_000 });
    await page.setInputFiles('input[type=file]', SAMPLE);
    const shown = await shownResult();
    expect(shown.text).toBe(expected.text);
    expect(shown.spans).toBe(expected.chars.length);
    expect(shown.shaded.every((c) => c.startsWith('rgba('))).toBe(true);
    expect(shown.meta).toMatch(/ms in this browser · backend wasm/);
    expect(server.requests.filter((r) => r.startsWith('/v1/'))).toEqual([]);
    expect(server.requests).toContain('/models/demo.ckpt');
    expect(consoleErrors, server.requests.join(" ")).toEqual([]);
    console.log(`[browser demo] Node and Chromium both read ${JSON.stringify(expected.text)} (confidence ${expected.confidence.toFixed(3)}); requests: ${server.requests.join(" ")}`);
    mkdirSync('artifacts', { recursive: true });
    await page.screenshot({ path: 'artifacts/web_demo_upload.png', fullPage: true });
    expect(existsSync('artifacts/web_demo_upload.png')).toBe(true);
  });

  it('a picked .ckpt replaces the model (the same file: the same text)', async () => {
    await page.goto(server.url);
    await page.waitForSelector('#model-status[data-state="ready"]', { timeout: 90_000 });
    await page.setInputFiles('input[type=file]', path.resolve(CKPT));
    await page.waitForSelector('#model-status[data-state="ready"]:has-text("demo.ckpt")', { timeout: 90_000 });
    await page.setInputFiles('input[type=file]', SAMPLE);
    const recognizer = await loadRecognizer(CKPT);
    const expected = await recognizer.recognize(SAMPLE);
    recognizer.dispose();
    expect((await shownResult()).text).toBe(expected.text);
  });
});
