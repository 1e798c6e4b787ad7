/**
 * The demo page at `/`: static files, no CDN. The page itself (index.html, demo.js) is in
 * serving/public; what it shares with the static demo (style sheet, drawing and result
 * panels, drawing pad, confidence shading) has its one source in web/. When
 * `npm run build:web` has run, /web/ also serves the browser build of the library (htr.js
 * and tfjs' .wasm files) for the page's "in this browser" mode.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { assemblePage } from '../../web/assemble_page.js';

const PUBLIC_DIR = fileURLToPath(new URL('../public/', import.meta.url));
/** The static demo's sources (not its build): the files both demo pages use. */
const SHARED_DIR = fileURLToPath(new URL('../../web/', import.meta.url));
const WEB_DIR = fileURLToPath(new URL('../../dist/web/', import.meta.url));
const WEB_FILES = ['htr.js', 'tfjs-backend-wasm.wasm', 'tfjs-backend-wasm-simd.wasm', 'tfjs-backend-wasm-threaded-simd.wasm'];
const FILES: Record<string, string> = {
  '/': PUBLIC_DIR + 'index.html',
  '/demo.js': PUBLIC_DIR + 'demo.js',
  '/demo.css': SHARED_DIR + 'demo.css',
  '/shading.js': SHARED_DIR + 'shading.js',
  '/drawing_pad.js': SHARED_DIR + 'drawing_pad.js',
};
const TYPES: Record<string, string> = {
  html: 'text/html; charset=utf-8',
  js: 'text/javascript; charset=utf-8',
  css: 'text/css; charset=utf-8',
  wasm: 'application/wasm',
};

export async function demoRoutes(app: FastifyInstance, options: { readonly webDir?: string } = {}): Promise<void> {
  const webDir = options.webDir ?? WEB_DIR;
  // Read once at startup; the files are small.
  const cache = new Map<string, Buffer>();
  for (const [route, file] of Object.entries(FILES)) cache.set(route, file.endsWith('.html') ? Buffer.from(assemblePage(file)) : await readFile(file));
  for (const [route, file] of Object.entries(FILES)) {
    app.get(route, { schema: { hide: true } }, async (_request, reply) =>
      reply.type(TYPES[file.split('.').pop() as string] as string).header('cache-control', 'no-cache').send(cache.get(route)),
    );
  }
  for (const file of WEB_FILES) {
    if (!existsSync(path.join(webDir, file))) continue;
    const body = await readFile(path.join(webDir, file));
    app.get(`/web/${file}`, { schema: { hide: true } }, async (_request, reply) =>
      reply.type(TYPES[file.split('.').pop() as string] as string).header('cache-control', 'no-cache').send(body),
    );
  }
}
