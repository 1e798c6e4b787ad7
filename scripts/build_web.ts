/**
 * `npm run build:web`: the static in-browser demo in dist/web/, servable by any static
 * file server. esbuild bundles web/demo.ts (the page) and the library's browser entry
 * as htr.js (for the server's demo page); web/index.html is assembled with its shared panels
 * (web/assemble_page.ts); tfjs' .wasm binaries, the demo model (exported inference-only) and
 * its sample line are written beside them. Prints each file's size and the first-load total.
 */
import { build } from 'esbuild';
import { copyFileSync, mkdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { encodeInferenceCheckpoint, readCheckpoint } from '../model_package/checkpoint/checkpoint.js';
import { assemblePage } from '../web/assemble_page.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
export const WEB_DIR = path.join(ROOT, 'dist/web');
const WASM_FILES = ['tfjs-backend-wasm.wasm', 'tfjs-backend-wasm-simd.wasm', 'tfjs-backend-wasm-threaded-simd.wasm'];

export async function buildWeb(out = WEB_DIR): Promise<Record<string, number>> {
  rmSync(out, { recursive: true, force: true });
  mkdirSync(path.join(out, 'models'), { recursive: true });
  const common = { bundle: true, platform: 'browser', format: 'esm', target: 'es2022', minify: true, sourcemap: false, logLevel: 'warning' } as const;
  await build({ ...common, entryPoints: [path.join(ROOT, 'web/demo.ts')], outfile: path.join(out, 'demo.js') });
  await build({ ...common, entryPoints: [path.join(ROOT, 'model_package/api/browser.ts')], outfile: path.join(out, 'htr.js') });
  writeFileSync(path.join(out, 'index.html'), assemblePage(path.join(ROOT, 'web/index.html')));
  copyFileSync(path.join(ROOT, 'web/demo.css'), path.join(out, 'demo.css'));
  const wasmDir = path.dirname(createRequire(import.meta.url).resolve('@tensorflow/tfjs-backend-wasm'));
  for (const f of WASM_FILES) copyFileSync(path.join(wasmDir, f), path.join(out, f));
  // The inference-only file (as `run_experiment export` writes it): a third of the download.
  writeFileSync(path.join(out, 'models/demo.ckpt'), encodeInferenceCheckpoint(await readCheckpoint(path.join(ROOT, 'models/demo/demo.ckpt'))));
  copyFileSync(path.join(ROOT, 'models/demo/sample_line.png'), path.join(out, 'models/sample_line.png'));
  const sizes: Record<string, number> = {};
  for (const f of ['index.html', 'demo.css', 'demo.js', 'htr.js', ...WASM_FILES, 'models/demo.ckpt']) sizes[f] = statSync(path.join(out, f)).size;
  return sizes;
}

/** What a first visit downloads: the page, its script and style, one wasm binary (SIMD) and the demo model. */
export function firstLoadBytes(sizes: Record<string, number>): number {
  return ['index.html', 'demo.css', 'demo.js', 'tfjs-backend-wasm-simd.wasm', 'models/demo.ckpt'].reduce((sum, f) => sum + (sizes[f] ?? 0), 0);
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const sizes = await buildWeb();
  const kb = (n: number) => `${(n / 1024).toFixed(0)} KiB`;
  for (const [f, n] of Object.entries(sizes)) console.log(`${f.padEnd(40)} ${kb(n).padStart(10)}`);
  console.log(`first load (page, demo.js, css, SIMD wasm, demo model): ${kb(firstLoadBytes(sizes))}`);
  console.log(`wrote ${path.relative(process.cwd(), WEB_DIR) || '.'}/`);
}
