/**
 * The server's demo page switched to "in this browser": the page fetches the served
 * model (GET /v1/model/file) and recognizes with the library's browser build, never
 * calling /v1/predict, and shows what the server would answer.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import type { Browser } from 'playwright-core';
import { buildWeb } from '../../scripts/build_web.js';
import { buildServer } from '../../serving/app.js';
import { checkpointLoader } from '../../serving/load_model.js';
import { readCheckpoint } from '../../model_package/checkpoint/checkpoint.js';
import { decodeCheckpoint } from '../../model_package/checkpoint/checkpoint_format.js';
import { HAVE_CHROMIUM, launchChromium, warnNoChromium } from '../helpers/browser.js';
import { useCpu } from './helpers.js';

const CKPT = 'models/demo/demo.ckpt';
const SAMPLE = 'models/demo/sample_line.png';
warnNoChromium('demo page, in-browser mode');

describe('GET /v1/model/file', () => {
  it('serves the loaded checkpoint as an inference-only file with the same weights', async () => {
    await useCpu();
    const app = await buildServer({ config: { max_wait_ms: 2 }, loadModel: checkpointLoader(CKPT) });
    try {
      await app.ready();
      await app.htr.whenLoaded();
      const res = await app.inject({ method: 'GET', url: '/v1/model/file' });
      expect(res.statusCode).toBe(200);
      const served = decodeCheckpoint(res.rawPayload, 'response');
      const full = await readCheckpoint(CKPT);
      expect(served.optimizer.size).toBe(0);
      expect([...served.model.keys()]).toEqual([...full.model.keys()]);
      // The bundled demo is already inference-only: never larger than the file loaded.
      expect(res.rawPayload.length).toBeLessThanOrEqual(readFileSync(CKPT).length);
    } finally {
      await app.close();
    }
  });
});

describe.skipIf(!HAVE_CHROMIUM)('demo page: recognize in this browser', () => {
  let app: FastifyInstance;
  let browser: Browser;
  let base: string;
  // Its own build (not dist/web/, which other tests may be writing).
  const webDir = mkdtempSync(path.join(tmpdir(), 'htr-web-'));

  beforeAll(async () => {
    await buildWeb(webDir);
    await useCpu();
    app = await buildServer({ config: { max_wait_ms: 2, docs: false }, loadModel: checkpointLoader(CKPT), webDir });
    await app.listen({ host: '127.0.0.1', port: 0 });
    await app.htr.whenLoaded();
    const addr = app.server.address();
    if (typeof addr !== 'object' || !addr) throw new Error('server has no address');
    base = `http://127.0.0.1:${addr.port}`;
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await app?.close();
    rmSync(webDir, { recursive: true, force: true });
  });

  it('shows the server answer for the sample line without calling /v1/predict', async () => {
    const png = readFileSync(SAMPLE);
    const api = await fetch(`${base}/v1/predict`, { method: 'POST', headers: { 'content-type': 'image/png' }, body: new Uint8Array(png) });
    const expected = (await api.json()) as { text: string };
    const page = await browser.newPage();
    const predicts: string[] = [];
    page.on('request', (r) => r.url().includes('/v1/predict') && predicts.push(r.url()));
    await page.goto(base);
    await page.check('#where-browser');
    await page.setInputFiles('#file', SAMPLE);
    await page.waitForSelector('#status[data-state="done"], #status[data-state="error"]', { timeout: 90_000 });
    const shown = await page.evaluate(() => ({
      text: (document.getElementById('result-text') as HTMLElement).dataset.text,
      meta: document.getElementById('result-meta')?.textContent ?? '',
      status: document.getElementById('status')?.textContent ?? '',
    }));
    expect(shown.status).toMatch(/in this browser/);
    expect(shown.text).toBe(expected.text);
    expect(shown.meta).toMatch(/ms in this browser · backend wasm/);
    expect(predicts).toEqual([]);
  });
});
