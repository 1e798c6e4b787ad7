/**
 * Fixtures for the collection tests: generated pages on disk, a real
 * `redis-server` on a free port without persistence, and the `htr_batch` CLI as
 * a child process (so a worker can be killed like a real one).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { createServer } from 'node:net';
import path from 'node:path';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll } from 'vitest';
import { fileURLToPath } from 'node:url';
import { generatePage } from '../../../bench/lib/synthetic_pages.js';
import { sha256 } from '../../../batch/collections/page_source.js';
import type { PageJob } from '../../../batch/collections/page_result.js';
import { connect } from '../../../batch/collections/page_queue.js';

export const ROOT = fileURLToPath(new URL('../../..', import.meta.url));
export const BIN = path.join(ROOT, 'bin/htr_batch.mjs');

export const HAS_REDIS = spawnSync('redis-server', ['--version']).status === 0;
if (!HAS_REDIS) console.warn('redis-server not found: the queue tests are skipped (apt-get install redis-server, as .ci/run does)');

/** Writes `n` generated pages of `lines` lines each; returns their files and hashes. */
export async function writePages(dir: string, n: number, lines = 3): Promise<Array<{ file: string; hash: string }>> {
  mkdirSync(dir, { recursive: true });
  const out: Array<{ file: string; hash: string }> = [];
  for (let i = 0; i < n; i++) {
    const page = await generatePage({ seed: 1000 + i, lines, width: 400, pitch: 50 });
    const file = path.join(dir, `page_${String(i).padStart(3, '0')}.png`);
    writeFileSync(file, page.png);
    out.push({ file, hash: sha256(page.png) });
  }
  return out;
}

/** The jobs `submit` would make for `pages`. */
export function pageJobs(pages: ReadonlyArray<{ file: string; hash: string }>, collection: string, modelId: string): PageJob[] {
  return pages.map((p) => ({ collection, file: p.file, pageHash: p.hash, modelId }));
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as { port: number }).port;
      srv.close(() => resolve(port));
    });
  });
}

export interface RedisServer {
  readonly url: string;
  stop(): Promise<void>;
}

/** A throwaway redis-server: no RDB snapshots, no AOF. */
export async function startRedis(): Promise<RedisServer> {
  const port = await freePort();
  const proc = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: ['ignore', 'pipe', 'pipe'] });
  await new Promise<void>((resolve, reject) => {
    let out = '';
    proc.stdout?.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.includes('Ready to accept connections')) resolve();
    });
    proc.once('exit', (code) => reject(new Error(`redis-server exited with ${code}: ${out}`)));
  });
  return {
    url: `redis://127.0.0.1:${port}`,
    stop: () =>
      new Promise<void>((resolve) => {
        if (proc.exitCode !== null) return resolve();
        proc.once('exit', () => resolve());
        proc.kill('SIGTERM');
      }),
  };
}

export interface CliRun {
  readonly proc: ChildProcess;
  /** Resolves with the exit code (or the signal's name) and the output. */
  readonly done: Promise<{ code: number | string; stdout: string; stderr: string }>;
}

/** `htr_batch ...args` in a child process with REDIS_URL set. */
export function cli(args: readonly string[], env: Record<string, string> = {}): CliRun {
  const proc = spawn(process.execPath, [BIN, ...args], { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  proc.stdout?.on('data', (d: Buffer) => void (stdout += d.toString()));
  proc.stderr?.on('data', (d: Buffer) => void (stderr += d.toString()));
  const done = new Promise<{ code: number | string; stdout: string; stderr: string }>((resolve) => {
    proc.once('exit', (code, signal) => resolve({ code: code ?? signal ?? -1, stdout, stderr }));
  });
  return { proc, done };
}

/** Runs `htr_batch` to the end; throws with its output if it exits non-zero. */
export async function cliOk(args: readonly string[], env: Record<string, string> = {}): Promise<{ stdout: string; stderr: string }> {
  const r = await cli(args, env).done;
  if (r.code !== 0) throw new Error(`htr_batch ${args.join(' ')} exited ${r.code}\n${r.stderr}`);
  return r;
}

/** Polls until `check` is true (the test's own timeout bounds it). */
export async function until(check: () => boolean | Promise<boolean>, everyMs = 200): Promise<void> {
  while (!(await check())) await new Promise((r) => setTimeout(r, everyMs));
}

export interface RedisFixture {
  readonly server: RedisServer;
  readonly redis: Redis;
  readonly dir: string;
}

/**
 * For one describe block: a redis-server, a connection to it and a temporary
 * folder, started in beforeAll and removed in afterAll.
 */
export function redisFixture(prefix: string): RedisFixture {
  const f = {} as { server: RedisServer; redis: Redis; dir: string };
  beforeAll(async () => {
    f.server = await startRedis();
    f.redis = await connect(f.server.url);
    f.dir = mkdtempSync(path.join(tmpdir(), prefix));
  });
  afterAll(async () => {
    f.redis?.disconnect();
    await f.server?.stop();
    if (f.dir) rmSync(f.dir, { recursive: true, force: true });
  });
  return f;
}
