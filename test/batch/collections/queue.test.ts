/**
 * The queue end to end on a real redis-server: two worker processes, one killed
 * with SIGKILL mid-run and started again; every page stored exactly once. Also
 * idempotent submission, failed pages and retry-failed, search, and --local
 * giving the same store contents as the queue.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../../batch/collections/cli.js';
import { cli, HAS_REDIS, startRedis, until, writePages, type RedisServer } from './helpers.js';

// Worker processes start slowly on a busy machine; the checks themselves are not timed.
const SLOW = 600_000;

const LINES = 3;

function storeRows(db: string): { pages: Array<{ page_hash: string; line_count: number }>; lines: Array<{ page_hash: string; idx: number; text: string }> } {
  const d = new Database(db, { readonly: true });
  try {
    return {
      pages: d.prepare('SELECT page_hash, line_count FROM pages ORDER BY page_hash').all() as Array<{ page_hash: string; line_count: number }>,
      lines: d.prepare('SELECT p.page_hash, l.idx, l.text FROM lines l JOIN pages p ON p.id = l.page_id ORDER BY p.page_hash, l.idx').all() as Array<{ page_hash: string; idx: number; text: string }>,
    };
  } finally {
    d.close();
  }
}

function pageCount(db: string): number {
  try {
    const d = new Database(db, { readonly: true });
    try {
      return (d.prepare('SELECT COUNT(*) AS n FROM pages').get() as { n: number }).n;
    } finally {
      d.close();
    }
  } catch {
    return 0;
  }
}

/** `htr_batch` in this process (workers run as child processes, to be killable). */
async function cliOk(args: string[], env: Record<string, string>): Promise<{ stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const withRedis = ['search', 'export'].includes(args[0] as string) ? args : [...args, '--redis_url', env.REDIS_URL as string];
  const code = await main(withRedis, { stdout: { write: (t: string) => (stdout += t) }, stderr: { write: (t: string) => (stderr += t) } });
  if (code !== 0) throw new Error(`htr_batch ${args.join(' ')} exited ${code}\n${stderr}`);
  return { stdout, stderr };
}

/** A worker process to its end. */
async function workerOk(args: string[], env: Record<string, string>): Promise<void> {
  const r = await cli(args, env).done;
  if (r.code !== 0) throw new Error(`htr_batch ${args.join(' ')} exited ${r.code}\n${r.stderr}`);
}

describe.skipIf(!HAS_REDIS)('htr_batch on a BullMQ queue (real redis-server)', () => {
  let redis: RedisServer;
  let dir: string;
  let env: Record<string, string>;

  beforeAll(async () => {
    redis = await startRedis();
    env = { REDIS_URL: redis.url };
    dir = mkdtempSync(path.join(tmpdir(), 'htr-queue-'));
  });
  afterAll(async () => {
    await redis?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('40 pages over 2 workers, one killed -9 and restarted: every page stored exactly once, searchable; resubmitting adds nothing', async () => {
    const pages = await writePages(path.join(dir, 'pages'), 40, LINES);
    const db = path.join(dir, 'kill.db');
    const q = ['--queue', 'kill', '--db', db];
    const sub = await cliOk(['submit', path.join(dir, 'pages'), '--collection', 'letters', '--ckpt_path', 'fake:segment', ...q], env);
    expect(JSON.parse(sub.stdout)).toEqual({ pages: 40, done: 0, enqueued: 40 });

    // Slow pages (300 ms) and a short lock, so the kill lands mid-run and its page comes back quickly.
    const workerArgs = ['worker', '--until-idle', '--ckpt_path', 'fake:segment:300', '--lock_ms', '2000', ...q];
    const a = cli(workerArgs, env);
    const b = cli(workerArgs, env);
    await until(() => pageCount(db) >= 6);
    a.proc.kill('SIGKILL');
    expect((await a.done).code).toBe('SIGKILL');
    expect(pageCount(db)).toBeLessThan(40);
    const a2 = cli(workerArgs, env);
    const [rb, ra2] = await Promise.all([b.done, a2.done]);
    expect(rb.code, rb.stderr).toBe(0);
    expect(ra2.code, ra2.stderr).toBe(0);

    const { pages: stored, lines } = storeRows(db);
    expect(stored.map((p) => p.page_hash)).toEqual(pages.map((p) => p.hash).sort());
    expect(stored.every((p) => p.line_count === LINES)).toBe(true);
    // Exactly once: LINES lines per page, each (page, line) once, with the page's own text.
    expect(lines).toHaveLength(40 * LINES);
    expect(new Set(lines.map((l) => `${l.page_hash}:${l.idx}`)).size).toBe(40 * LINES);
    for (const l of lines) expect(l.text).toBe(`p${l.page_hash.slice(0, 8)} line ${l.idx + 1}`);

    const status = JSON.parse((await cliOk(['status', '--json', ...q], env)).stdout);
    expect(status.queue).toMatchObject({ waiting: 0, active: 0, delayed: 0, failed: 0 });
    expect(status.collections).toEqual([expect.objectContaining({ collection: 'letters', done: 40, failed: 0, lines: 40 * LINES, remaining: 0 })]);

    const target = pages[17] as { file: string; hash: string };
    const found = await cliOk(['search', `p${target.hash.slice(0, 8)} line 2`, '--json', '--db', db], env);
    const hits = found.stdout.trim().split('\n').map((l) => JSON.parse(l));
    expect(hits[0]).toMatchObject({ collection: 'letters', file: target.file, pageHash: target.hash, line: 1, text: `p${target.hash.slice(0, 8)} line 2` });

    const again = await cliOk(['submit', path.join(dir, 'pages'), '--collection', 'letters', '--ckpt_path', 'fake:segment', ...q], env);
    expect(JSON.parse(again.stdout)).toEqual({ pages: 40, done: 40, enqueued: 0 });
    const after = JSON.parse((await cliOk(['status', '--json', ...q], env)).stdout);
    expect(after.queue.waiting).toBe(0);
  }, SLOW);

  it('a corrupt page lands in the failed list with its reason; retry-failed re-enqueues it', async () => {
    const pdir = path.join(dir, 'corrupt');
    await writePages(pdir, 2, LINES);
    writeFileSync(path.join(pdir, 'broken.png'), Buffer.from('not a png at all'));
    const db = path.join(dir, 'corrupt.db');
    const q = ['--queue', 'corrupt', '--db', db];
    await cliOk(['submit', pdir, '--collection', 'c', '--ckpt_path', 'fake:segment', '--attempts', '2', '--backoff_ms', '50', ...q], env);
    // Also pending in Redis before any worker: nothing submitted twice.
    expect(JSON.parse((await cliOk(['submit', pdir, '--collection', 'c', '--ckpt_path', 'fake:segment', ...q], env)).stdout).enqueued).toBe(0);
    await workerOk(['worker', '--until-idle', '--ckpt_path', 'fake:segment', ...q], env);

    const status = JSON.parse((await cliOk(['status', '--json', ...q], env)).stdout);
    expect(status.queue.failed).toBe(1);
    expect(status.collections[0]).toMatchObject({ done: 2, failed: 1 });
    const d = new Database(db, { readonly: true });
    const failures = d.prepare('SELECT file, code, reason, attempts FROM failures').all() as Array<{ file: string; code: string; reason: string; attempts: number }>;
    d.close();
    expect(failures).toEqual([{ file: path.join(pdir, 'broken.png'), code: 'HTR_ERR_BAD_IMAGE', reason: expect.stringContaining('broken.png'), attempts: 2 }]);

    const retried = await cliOk(['retry-failed', ...q], env);
    expect(JSON.parse(retried.stdout)).toEqual({ retried: 1 });
    const back = JSON.parse((await cliOk(['status', '--json', ...q], env)).stdout);
    expect(back.queue.failed + back.queue.waiting + back.queue.delayed).toBe(1);
    expect(back.queue.failed).toBe(0);
    expect(back.collections[0].failed).toBe(0);
  }, SLOW);

  it('--local stores the same pages and lines as the queue', async () => {
    const pdir = path.join(dir, 'same');
    await writePages(pdir, 6, LINES);
    const qdb = path.join(dir, 'same_queue.db');
    const ldb = path.join(dir, 'same_local.db');
    await cliOk(['submit', pdir, '--collection', 's', '--ckpt_path', 'fake:segment', '--queue', 'same', '--db', qdb], env);
    await workerOk(['worker', '--until-idle', '--concurrency', '2', '--ckpt_path', 'fake:segment', '--queue', 'same', '--db', qdb], env);
    await cliOk(['submit', pdir, '--collection', 's', '--ckpt_path', 'fake:segment', '--local', '--db', ldb, '--quiet'], env);
    const fromQueue = storeRows(qdb);
    expect(fromQueue.pages).toHaveLength(6);
    expect(storeRows(ldb)).toEqual(fromQueue);
    const exported = (db: string): Promise<string> => cliOk(['export', '--format', 'txt', '--db', db], env).then((r) => r.stdout);
    expect(await exported(ldb)).toBe(await exported(qdb));
  }, SLOW);
});
