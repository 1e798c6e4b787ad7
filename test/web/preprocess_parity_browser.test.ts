/**
 * The canvas path (browser) and the sharp path (Node) give the model the same input
 * for the same image file: lines at the model's height, natural width, bilinear.
 * Opaque PNGs must match bit for bit. A semi-transparent PNG may differ by one
 * 8-bit step: a canvas stores premultiplied alpha, so its un-premultiplied pixels
 * are rounded once more than sharp's.
 */
import { build } from 'esbuild';
import { fileURLToPath } from 'node:url';
import { readFileSync } from 'node:fs';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { decodeGray } from '../../model_package/preprocess/line_image.js';
import { grayToLine } from '../../model_package/preprocess/gray_pixels.js';
import { HAVE_CHROMIUM, launchChromium, warnNoChromium } from '../helpers/browser.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const LINE = { height: 28, width: 1024 };
warnNoChromium('preprocess parity');

/** A handwriting-like test image: strokes of varying gray and colour on paper. */
async function strokesPng(width: number, height: number, channels: 3 | 4, alpha = false): Promise<Buffer> {
  const px = Buffer.alloc(width * height * channels, 255);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const ink = Math.abs(Math.sin(x / 7 + y / 5)) > 0.8 || (x * 13 + y * 7) % 97 < 3;
      const i = (y * width + x) * channels;
      if (ink) {
        px[i] = (x * 3) % 256;
        px[i + 1] = (y * 11) % 200;
        px[i + 2] = 40;
      }
      if (channels === 4) px[i + 3] = alpha ? (ink ? 90 + ((x * y) % 166) : (x % 5) * 60) : 255;
    }
  }
  return sharp(px, { raw: { width, height, channels } }).png().toBuffer();
}

describe.skipIf(!HAVE_CHROMIUM)('preprocessing parity: canvas in Chromium vs sharp in Node', () => {
  let browser: Browser;
  let page: Page;

  beforeAll(async () => {
    // The browser half of the library's preprocessing, as the bundle ships it.
    const bundle = await build({
      stdin: {
        contents: `import { browserImageToGray } from './model_package/api/browser_image.ts';
          import { grayToLine } from './model_package/preprocess/gray_pixels.ts';
          window.modelInput = async (bytes, opts) => Array.from(grayToLine(await browserImageToGray(new Blob([new Uint8Array(bytes)], { type: 'image/png' })), opts).data);`,
        resolveDir: ROOT,
        loader: 'ts',
      },
      bundle: true,
      platform: 'browser',
      format: 'iife',
      write: false,
      logLevel: 'silent',
    });
    browser = await launchChromium();
    page = await browser.newPage();
    await page.addScriptTag({ content: bundle.outputFiles[0]?.text ?? '' });
  });
  afterAll(async () => {
    await browser?.close();
  });

  async function both(png: Buffer): Promise<{ node: Float32Array; web: Float32Array }> {
    const node = grayToLine(await decodeGray(png), LINE).data;
    const web = await page.evaluate(([bytes, opts]) => (window as unknown as { modelInput: (b: number[], o: unknown) => Promise<number[]> }).modelInput(bytes, opts), [Array.from(png), LINE] as const);
    return { node, web: Float32Array.from(web) };
  }

  const cases: Array<[string, () => Promise<Buffer>]> = [
    ['the bundled sample line (RGB, already 28 px high)', async () => readFileSync(`${ROOT}models/demo/sample_line.png`)],
    ['a taller colour line, shrunk to 28 px', () => strokesPng(601, 67, 3)],
    ['a short line, enlarged to 28 px', () => strokesPng(90, 13, 3)],
    ['an opaque RGBA line', () => strokesPng(300, 50, 4)],
  ];
  for (const [name, make] of cases) {
    it(`${name}: the same tensor, bit for bit`, async () => {
      const { node, web } = await both(await make());
      expect(web.length).toBe(node.length);
      expect(Buffer.from(web.buffer).equals(Buffer.from(node.buffer))).toBe(true);
    });
  }

  it('a semi-transparent line: at most one 8-bit step apart (canvas premultiplies alpha)', async () => {
    const { node, web } = await both(await strokesPng(200, 40, 4, true));
    expect(web.length).toBe(node.length);
    let worst = 0;
    for (let i = 0; i < node.length; i++) worst = Math.max(worst, Math.abs((node[i] as number) - (web[i] as number)));
    expect(worst).toBeLessThanOrEqual(1 / 255 + 1e-6);
  });
});
