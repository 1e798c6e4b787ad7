/**
 * Every fenced snippet of docs/library.md and docs/browser.md, run as written
 * (only `from 'htr-ts'` points at the source entry instead of the installed package):
 * TypeScript for Node through tsx, TypeScript for the browser bundled by esbuild and
 * opened in headless Chromium, bash lines in a shell at the repository root.
 */
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadRecognizer } from '../../model_package/api/node.js';
import { HAVE_CHROMIUM, launchChromium, serveStatic } from '../helpers/browser.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const work = mkdtempSync(path.join(tmpdir(), 'htr-snippets-'));
let expectedText: string;

function snippets(page: string, lang: string): string[] {
  const text = readFileSync(path.join(ROOT, page), 'utf8');
  return [...text.matchAll(new RegExp('```' + lang + '\\n([\\s\\S]*?)```', 'g'))].map((m) => m[1] as string);
}

beforeAll(async () => {
  const r = await loadRecognizer(path.join(ROOT, 'models/demo/demo.ckpt'));
  expectedText = (await r.recognize(path.join(ROOT, 'models/demo/sample_line.png'))).text;
  r.dispose();
});
afterAll(() => rmSync(work, { recursive: true, force: true }));

function runBash(code: string): string {
  return execFileSync('bash', ['-euo', 'pipefail', '-c', code], { cwd: ROOT, encoding: 'utf8' });
}

describe('docs/library.md', () => {
  it('has snippets', () => {
    expect(snippets('docs/library.md', 'ts').length).toBeGreaterThan(0);
    expect(snippets('docs/library.md', 'bash').length).toBeGreaterThan(0);
  });

  it.each(snippets('docs/library.md', 'ts'))('TypeScript snippet %#', (code) => {
    const file = path.join(work, `library_${Math.random().toString(36).slice(2)}.mts`);
    writeFileSync(file, code.replaceAll("from 'htr-ts'", `from ${JSON.stringify(path.join(ROOT, 'model_package/api/node.ts'))}`));
    const tsx = path.join(ROOT, 'node_modules/tsx/dist/cli.mjs');
    const out = execFileSync(process.execPath, [tsx, file], { cwd: ROOT, encoding: 'utf8' });
    expect(out).toContain(expectedText);
  });

  it.each(snippets('docs/library.md', 'bash'))('bash snippet %#', (code) => {
    const out = runBash(code);
    // The export line documents its output; it must still hold.
    const doc = readFileSync(path.join(ROOT, 'docs/library.md'), 'utf8');
    const printed = out.trim().split('\n').pop() as string;
    expect(doc.replace(/\s+/g, ' ')).toContain(printed.replace(/\s+/g, ' '));
  });
});

describe('docs/browser.md', () => {
  it.each(snippets('docs/browser.md', 'bash'))('bash snippet %#', (code) => {
    const out = runBash(code);
    expect(existsSync(path.join(ROOT, 'dist/web/index.html'))).toBe(true);
    // The documented sizes are the ones the build prints.
    const doc = readFileSync(path.join(ROOT, 'docs/browser.md'), 'utf8');
    for (const [file, size] of [...out.matchAll(/^(demo\.js|tfjs-backend-wasm-simd\.wasm|models\/demo\.ckpt)\s+(\d+) KiB$/gm)].map((m) => [m[1], Number(m[2])] as const)) {
      expect(doc, file).toContain(`${size.toLocaleString('en-US')} KiB`);
    }
  });

  it.skipIf(!HAVE_CHROMIUM).each(snippets('docs/browser.md', 'ts'))('TypeScript snippet %# in Chromium', async (code) => {
    const site = mkdtempSync(path.join(work, 'site-'));
    writeFileSync(path.join(site, 'page.ts'), code);
    await build({
      entryPoints: [path.join(site, 'page.ts')],
      bundle: true,
      platform: 'browser',
      format: 'esm',
      alias: { 'htr-ts': path.join(ROOT, 'model_package/api/browser.ts') },
      outfile: path.join(site, 'page.js'),
      logLevel: 'silent',
    });
    writeFileSync(path.join(site, 'index.html'), '<!doctype html><link rel="icon" href="data:,"><body><script type="module" src="page.js"></script></body>');
    const wasmDir = path.join(ROOT, 'node_modules/@tensorflow/tfjs-backend-wasm/dist');
    for (const f of ['tfjs-backend-wasm.wasm', 'tfjs-backend-wasm-simd.wasm', 'tfjs-backend-wasm-threaded-simd.wasm']) copyFileSync(path.join(wasmDir, f), path.join(site, f));
    copyFileSync(path.join(ROOT, 'models/demo/demo.ckpt'), path.join(site, 'demo.ckpt'));
    copyFileSync(path.join(ROOT, 'models/demo/sample_line.png'), path.join(site, 'sample_line.png'));
    const server = await serveStatic(site);
    const browser = await launchChromium();
    try {
      const page = await browser.newPage();
      const errors: string[] = [];
      page.on('pageerror', (e) => errors.push(e.message));
      await page.goto(server.url);
      await page.waitForFunction(() => /\(\d+%\)$/.test(document.body.textContent ?? ''), undefined, { timeout: 60_000 }).catch(() => {});
      expect(errors).toEqual([]);
      expect(await page.textContent('body')).toMatch(new RegExp(`^${expectedText.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} \\(\\d+%\\)$`));
    } finally {
      await browser.close();
      await server.close();
    }
  });
});
