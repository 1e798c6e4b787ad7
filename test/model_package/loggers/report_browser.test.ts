/**
 * A real report from a short fast_dev_run of the Trainer, opened in headless
 * Chromium: the charts and table rows must render (not just be in the source),
 * the step/epoch switch must work without network access, and a screenshot is
 * saved under artifacts/ for people to look at. Skipped when Chromium is absent.
 */
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import sharp from 'sharp';
import { beforeAll, describe, expect, it } from 'vitest';
import type { TableRecord } from '../../../model_package/loggers/types.js';
import { RUN_FILES } from '../../../model_package/loggers/run_dir.js';
import { PROJECT_ROOT } from '../../../model_package/loggers/environment.js';
import { CHROMIUM_MISSING, HAVE_CHROMIUM, launchChromium } from '../../helpers/chromium.js';
import { useTrainingBackend } from '../../helpers/tf.js';
import { tinyTrackedRun } from './tiny_tracked_run.js';

if (!HAVE_CHROMIUM) console.warn(`report_browser.test: SKIPPED, ${CHROMIUM_MISSING}`);

beforeAll(useTrainingBackend);

describe.skipIf(!HAVE_CHROMIUM)('report in headless Chromium', () => {
  it('renders the curves and prediction rows of a fast_dev_run and saves a screenshot', async () => {
    const { runDir } = await tinyTrackedRun({ runId: 'browser', trainer: { fast_dev_run: 3 }, test: true });
    const browser = await launchChromium();
    try {
      const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
      // Any request leaving the file proves the report is not self-contained.
      const external: string[] = [];
      await page.route(/^(?!file:|data:).*/, (route) => {
        external.push(route.request().url());
        return route.abort();
      });
      await page.goto(pathToFileURL(join(runDir, RUN_FILES.report)).href);
      expect(external).toEqual([]);

      // Three train steps: the loss curve is a drawn path with 3 vertices and real size.
      const lossPath = page.locator('#chart-loss .by-step path.series[data-label="train/loss"]');
      await expect.poll(() => lossPath.count()).toBe(1);
      expect(((await lossPath.getAttribute('d')) ?? '').match(/[ML]/g)).toHaveLength(3);
      const box = await page.locator('#chart-loss .by-step svg').boundingBox();
      expect(box?.width).toBeGreaterThan(300);
      expect(box?.height).toBeGreaterThan(120);
      for (const id of ['loss', 'cer', 'wer', 'lr']) expect(await page.locator(`#chart-${id}`).isVisible()).toBe(true);

      // The newest validation table is open with its rows, images decoded.
      const rows = page.locator('details.table[open] tr.pred-row');
      expect(await rows.count()).toBeGreaterThan(0);
      const img = rows.first().locator('td.img img');
      const firstPng = (JSON.parse(readFileSync(join(runDir, RUN_FILES.tables), 'utf8').split('\n')[0] as string) as TableRecord).rows[0]?.image as string;
      const meta = await sharp(join(runDir, firstPng)).metadata();
      expect(await img.evaluate((el) => [(el as HTMLImageElement).naturalWidth, (el as HTMLImageElement).naturalHeight])).toEqual([meta.width, meta.height]);
      expect(await page.locator('details.table[data-name="test/predictions"]').count()).toBe(1);

      // The x-axis switch is pure CSS: epoch charts show, step charts hide.
      expect(await page.locator('#chart-loss .by-epoch').isVisible()).toBe(false);
      await page.click('label[for="xaxis-epoch"]');
      expect(await page.locator('#chart-loss .by-epoch').isVisible()).toBe(true);
      expect(await page.locator('#chart-loss .by-step').isVisible()).toBe(false);
      await page.click('label[for="xaxis-step"]');

      const dir = join(PROJECT_ROOT, 'artifacts');
      mkdirSync(dir, { recursive: true });
      const shot = join(dir, 'report_fast_dev_run.png');
      await page.screenshot({ path: shot, fullPage: true });
      expect(existsSync(shot)).toBe(true);
    } finally {
      await browser.close();
    }
  });
});
