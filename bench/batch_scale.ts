/**
 * htr_batch throughput on this machine, through a real redis-server:
 * 1. pages/s and lines/s with 1 and 2 worker processes (the given model),
 *    counted from the first page stored to the last, so start-up is excluded;
 * 2. worker RSS (the worker and its sandboxed children) sampled every 5 s over a
 *    `--duration` run, with the growth from the first to the last minute;
 * 3. queue overhead per page: a no-op model through the queue versus the same
 *    no-op model in-process (`--local`).
 *
 *   npx tsx bench/batch_scale.ts [--ckpt_path models/demo/demo.ckpt] [--pages 60] [--duration 300]
 *                                [--noop_pages 300] [--out bench/results/batch_scale.json]
 *
 * bench:args --pages 40 --duration 300
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import Database from 'better-sqlite3';
import { generatePage } from './lib/synthetic_pages.js';
import { startRedis, BIN, ROOT } from '../test/batch/collections/helpers.js';

const { values } = parseArgs({
  options: {
    ckpt_path: { type: 'string', default: 'models/demo/demo.ckpt' },
    pages: { type: 'string', default: '60' },
    duration: { type: 'string', default: '300' },
    noop_pages: { type: 'string', default: '300' },
    out: { type: 'string', default: 'bench/results/batch_scale.json' },
  },
});
const PAGES = Number(values.pages);
const DURATION_S = Number(values.duration);
const NOOP_PAGES = Number(values.noop_pages);

const work = mkdtempSync(path.join(tmpdir(), 'htr-batch-scale-'));
const redis = await startRedis();
const env = { ...process.env, REDIS_URL: redis.url };
let seed = 0;

async function makePages(n: number, lines: () => number): Promise<string> {
  const dir = path.join(work, `pages_${seed}`);
  mkdirSync(dir);
  for (let i = 0; i < n; i++) {
    // 400 px wide: the demo model reads lines up to 256 px at its 28 px height (no line is squeezed).
    const page = await generatePage({ seed: seed++, lines: lines(), width: 400, pitch: 50 });
    writeFileSync(path.join(dir, `p${String(i).padStart(5, '0')}.png`), page.png);
  }
  return dir;
}

function run(args: string[]): { proc: ChildProcess; done: Promise<number> } {
  const proc = spawn(process.execPath, [BIN, ...args], { cwd: ROOT, env, stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  proc.stderr?.on('data', (d: Buffer) => void (err += d.toString()));
  const done = new Promise<number>((resolve) => proc.once('exit', (code) => {
    if (code) process.stderr.write(`htr_batch ${args[0]} exited ${code}: ${err.slice(-2000)}\n`);
    resolve(code ?? 1);
  }));
  return { proc, done };
}

/** Pages/s and lines/s from the store's write times: first stored page to last. */
function rates(db: string): { pages: number; lines: number; seconds: number; pages_per_s: number; lines_per_s: number } {
  const d = new Database(db, { readonly: true });
  const r = d.prepare('SELECT COUNT(*) AS n, SUM(line_count) AS lines, MIN(recognized_at) AS t0, MAX(recognized_at) AS t1 FROM pages').get() as { n: number; lines: number; t0: number; t1: number };
  const first = d.prepare('SELECT line_count FROM pages ORDER BY recognized_at LIMIT 1').get() as { line_count: number };
  d.close();
  const seconds = (r.t1 - r.t0) / 1000;
  // The first page opens the interval, so it is not counted in it.
  return { pages: r.n, lines: r.lines, seconds, pages_per_s: (r.n - 1) / seconds, lines_per_s: (r.lines - first.line_count) / seconds };
}

/** RSS in MB of a process and all its descendants (Linux /proc). */
function treeRssMb(pid: number): number {
  let kb = 0;
  const visit = (p: number): void => {
    try {
      const status = readFileSync(`/proc/${p}/status`, 'utf8');
      kb += Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
      for (const t of readdirSync(`/proc/${p}/task`)) {
        for (const c of readFileSync(`/proc/${p}/task/${t}/children`, 'utf8').trim().split(/\s+/).filter(Boolean)) visit(Number(c));
      }
    } catch {
      // exited meanwhile
    }
  };
  visit(pid);
  return kb / 1024;
}

async function throughput(workers: number, dir: string): Promise<ReturnType<typeof rates>> {
  const db = path.join(work, `w${workers}.db`);
  const q = ['--queue', `w${workers}`, '--db', db, '--ckpt_path', values.ckpt_path];
  await run(['submit', dir, '--collection', 'bench', ...q]).done;
  await Promise.all(Array.from({ length: workers }, () => run(['worker', '--until-idle', ...q]).done));
  return rates(db);
}

try {
  process.stderr.write(`generating ${PAGES} pages...\n`);
  const pagesDir = await makePages(PAGES, () => 6);
  const result: Record<string, unknown> = { date: new Date().toISOString().slice(0, 10), ckpt_path: values.ckpt_path, page: '400 px wide, 6 lines' };
  for (const workers of [1, 2]) {
    process.stderr.write(`throughput with ${workers} worker(s)...\n`);
    result[`workers_${workers}`] = await throughput(workers, pagesDir);
  }

  // RSS: one worker kept busy for DURATION_S (enough distinct pages queued), sampled every 5 s.
  const perS = (result.workers_1 as { pages_per_s: number }).pages_per_s;
  const need = Math.ceil(perS * DURATION_S * 1.3) + 10;
  process.stderr.write(`RSS run: ${need} pages, ${DURATION_S} s...\n`);
  const rssDir = await makePages(need, () => 6);
  const rssDb = path.join(work, 'rss.db');
  const rq = ['--queue', 'rss', '--db', rssDb, '--ckpt_path', values.ckpt_path];
  await run(['submit', rssDir, '--collection', 'rss', ...rq]).done;
  const w = run(['worker', ...rq]);
  const samples: Array<{ t: number; rss_mb: number }> = [];
  const t0 = performance.now();
  while ((performance.now() - t0) / 1000 < DURATION_S) {
    await new Promise((r) => setTimeout(r, 5000));
    samples.push({ t: Math.round((performance.now() - t0) / 1000), rss_mb: Math.round(treeRssMb(w.proc.pid as number)) });
  }
  w.proc.kill('SIGTERM');
  await w.done;
  const minute = (from: number, to: number): number => {
    const s = samples.filter((x) => x.t >= from && x.t < to).map((x) => x.rss_mb);
    return s.reduce((a, b) => a + b, 0) / Math.max(1, s.length);
  };
  const firstMin = minute(60, 120);
  const lastMin = minute(DURATION_S - 60, DURATION_S + 1);
  result.rss = { duration_s: DURATION_S, pages_done: rates(rssDb).pages, first_minute_after_warmup_mb: Math.round(firstMin), last_minute_mb: Math.round(lastMin), growth_mb: Math.round(lastMin - firstMin), samples };

  // Queue overhead: the no-op model, in-process vs through Redis with one worker.
  process.stderr.write(`queue overhead with ${NOOP_PAGES} no-op pages...\n`);
  const noopDir = await makePages(NOOP_PAGES, () => 1);
  const localDb = path.join(work, 'noop_local.db');
  await run(['submit', noopDir, '--collection', 'noop', '--local', '--ckpt_path', 'fake:noop', '--db', localDb, '--batch_size', '1', '--quiet']).done;
  const noopQueue = await (async () => {
    const db = path.join(work, 'noop_queue.db');
    const q = ['--queue', 'noop', '--db', db, '--ckpt_path', 'fake:noop'];
    await run(['submit', noopDir, '--collection', 'noop', ...q]).done;
    await run(['worker', '--until-idle', ...q]).done;
    return rates(db);
  })();
  const local = rates(localDb);
  result.queue_overhead = {
    local_ms_per_page: 1000 / local.pages_per_s,
    queue_ms_per_page: 1000 / noopQueue.pages_per_s,
    overhead_ms_per_page: 1000 / noopQueue.pages_per_s - 1000 / local.pages_per_s,
  };

  mkdirSync(path.dirname(values.out), { recursive: true });
  writeFileSync(values.out, `${JSON.stringify(result, null, 2)}\n`);
  console.log(JSON.stringify(result));
} finally {
  await redis.stop();
  rmSync(work, { recursive: true, force: true });
}
