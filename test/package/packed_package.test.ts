/**
 * The package as a user gets it: `npm pack` (which builds dist/lib through
 * prepack), the tarball unpacked into a temporary project's node_modules/htr-ts as
 * `npm install` lays it out, and `htr-ts` imported by name, in Node and in a page
 * bundled by esbuild and opened in headless Chromium. No network: the declared
 * dependencies (and only those) are linked from this checkout's node_modules.
 */
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadRecognizer } from '../../model_package/api/node.js';
import { HAVE_CHROMIUM, launchChromium, serveStatic } from '../helpers/browser.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const CKPT = path.join(ROOT, 'models/demo/demo.ckpt');
const SAMPLE = path.join(ROOT, 'models/demo/sample_line.png');
const pkg = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { dependencies: Record<string, string>; peerDependencies?: Record<string, string> };

let work: string;
let project: string;
let expectedText: string;

beforeAll(async () => {
  work = mkdtempSync(path.join(tmpdir(), 'htr-pack-'));
  const out = execFileSync('npm', ['pack', '--silent', '--pack-destination', work], { cwd: ROOT, encoding: 'utf8' });
  const tarball = path.join(work, out.trim().split('\n').pop() as string);
  project = path.join(work, 'project');
  const installed = path.join(project, 'node_modules/htr-ts');
  mkdirSync(installed, { recursive: true });
  execFileSync('tar', ['-xzf', tarball, '-C', installed, '--strip-components=1']);
  for (const dep of [...Object.keys(pkg.dependencies), ...Object.keys(pkg.peerDependencies ?? {})]) {
    const from = path.join(ROOT, 'node_modules', dep);
    if (!existsSync(from)) continue; // an optional peer that is not installed
    mkdirSync(path.dirname(path.join(project, 'node_modules', dep)), { recursive: true });
    symlinkSync(from, path.join(project, 'node_modules', dep), 'dir');
  }
  writeFileSync(path.join(project, 'package.json'), JSON.stringify({ name: 'consumer', private: true, type: 'module' }));
  const r = await loadRecognizer(CKPT);
  expectedText = (await r.recognize(SAMPLE)).text;
  r.dispose();
}, 300_000);

describe('the packed package', () => {
  it('ships compiled entries and types, not the test suite', () => {
    const files = path.join(project, 'node_modules/htr-ts');
    for (const f of ['dist/lib/model_package/api/node.js', 'dist/lib/model_package/api/node.d.ts', 'dist/lib/model_package/api/browser.js', 'dist/lib/model_package/api/browser.d.ts']) {
      expect(existsSync(path.join(files, f)), f).toBe(true);
    }
    expect(existsSync(path.join(files, 'test'))).toBe(false);
  });

  it('imports htr-ts by name in Node and recognizes the sample line as the source tree does; internals are not importable', () => {
    writeFileSync(
      path.join(project, 'check.mjs'),
      `import { loadRecognizer } from 'htr-ts';
       const r = await loadRecognizer(${JSON.stringify(CKPT)});
       const { text, confidence, chars } = await r.recognize(${JSON.stringify(SAMPLE)});
       let deep = 'importable';
       try { await import('htr-ts/model_package/index.js'); } catch (e) { deep = e.code; }
       console.log(JSON.stringify({ text, confidence, n: chars.length, deep }));`,
    );
    const got = JSON.parse(execFileSync(process.execPath, ['check.mjs'], { cwd: project, encoding: 'utf8' }).trim().split('\n').pop() as string);
    expect(got.text).toBe(expectedText);
    expect(got.n).toBe([...expectedText].length);
    expect(got.confidence).toBeGreaterThan(0);
    expect(got.deep).toBe('ERR_PACKAGE_PATH_NOT_EXPORTED');
  });

  it.skipIf(!HAVE_CHROMIUM)('imports htr-ts by name in a bundled browser page and reads the same text', async () => {
    const site = path.join(project, 'site');
    mkdirSync(site, { recursive: true });
    writeFileSync(
      path.join(project, 'page.js'),
      `import { loadRecognizer } from 'htr-ts';
       window.readSample = async () => {
         const r = await loadRecognizer('demo.ckpt');
         const png = await (await fetch('sample_line.png')).blob();
         return { text: (await r.recognize(png)).text, backend: r.info.backend };
       };`,
    );
    // The "browser" export condition: esbuild's browser platform picks it.
    await build({ entryPoints: [path.join(project, 'page.js')], bundle: true, platform: 'browser', format: 'esm', outfile: path.join(site, 'page.js'), logLevel: 'silent' });
    writeFileSync(path.join(site, 'index.html'), '<!doctype html><link rel="icon" href="data:,"><script type="module" src="page.js"></script>');
    const wasmDir = path.join(project, 'node_modules/@tensorflow/tfjs-backend-wasm/dist');
    for (const f of ['tfjs-backend-wasm.wasm', 'tfjs-backend-wasm-simd.wasm', 'tfjs-backend-wasm-threaded-simd.wasm']) copyFileSync(path.join(wasmDir, f), path.join(site, f));
    copyFileSync(CKPT, path.join(site, 'demo.ckpt'));
    copyFileSync(SAMPLE, path.join(site, 'sample_line.png'));
    const server = await serveStatic(site);
    const browser = await launchChromium();
    try {
      const page = await browser.newPage();
      await page.goto(server.url);
      await page.waitForFunction(() => 'readSample' in window);
      const got = await page.evaluate(() => (window as unknown as { readSample: () => Promise<{ text: string; backend: string }> }).readSample());
      expect(got).toEqual({ text: expectedText, backend: 'wasm' });
    } finally {
      await browser.close();
      await server.close();
    }
  });
});

afterAll(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});
