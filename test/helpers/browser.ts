/**
 * Headless Chromium (Debian's `chromium`, driven by playwright-core) and a static
 * file server for the in-browser tests. Tests skip when the browser is absent.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import path from 'node:path';
import type { Browser } from 'playwright-core';

export const CHROMIUM = process.env.HTR_CHROMIUM ?? '/usr/bin/chromium';
export const HAVE_CHROMIUM = existsSync(CHROMIUM);
const FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];

export function warnNoChromium(suite: string): void {
  if (!HAVE_CHROMIUM) console.warn(`[${suite}] SKIPPED: no Chromium at ${CHROMIUM}. Install it with "apt-get install -y chromium" (or set HTR_CHROMIUM).`);
}

export async function launchChromium(): Promise<Browser> {
  const { chromium } = await import('playwright-core');
  return chromium.launch({ executablePath: CHROMIUM, args: FLAGS });
}

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.wasm': 'application/wasm',
  '.png': 'image/png',
};

export interface StaticServer {
  readonly url: string;
  /** Paths of every request, in order. */
  readonly requests: string[];
  close(): Promise<void>;
}

/**
 * Serves `dir` on 127.0.0.1 as any static file server would; every request under
 * /v1/ is refused (403), so a page that tried to use the HTTP API would fail.
 */
export async function serveStatic(dir: string): Promise<StaticServer> {
  const requests: string[] = [];
  const server: Server = createServer((req, res) => {
    const pathname = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
    requests.push(pathname);
    if (pathname.startsWith('/v1/')) {
      res.writeHead(403).end('refused: this server has no API');
      return;
    }
    const file = path.join(dir, path.normalize(pathname === '/' ? '/index.html' : pathname));
    if (!file.startsWith(dir) || !existsSync(file) || !statSync(file).isFile()) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'content-type': TYPES[path.extname(file)] ?? 'application/octet-stream' }).end(readFileSync(file));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const addr = server.address();
  if (typeof addr !== 'object' || !addr) throw new Error('static server has no address');
  return {
    url: `http://127.0.0.1:${addr.port}/`,
    requests,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
