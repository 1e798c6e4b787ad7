/**
 * `htr_batch <command>`: recognize large collections of page images.
 *
 *   submit <folder|zip|manifest|glob> --collection NAME [--local] [--shard i/n]
 *   worker [--concurrency N] [--until-idle] [--page-timeout SECONDS]
 *   status [--json]
 *   retry-failed [--local]
 *   search "text"
 *   export --format jsonl|txt|page-xml|alto
 *
 * With `--local` everything runs in this process against the SQLite store;
 * otherwise pages go through a BullMQ queue on Redis ($REDIS_URL) to any number
 * of `worker`s. See docs/collections.md.
 */
import { writeFile } from 'node:fs/promises';
import type { z } from 'zod';
import { FlagError, flagHelp, parseFlags, validateFlags } from '../../model_package/config/flags.js';
import { isHtrError } from '../../model_package/errors.js';
import { formatDurationUnits } from '../../model_package/loggers/live_line.js';
import { engineModelId, loadEngine, type EngineSpec } from './page_engine.js';
import type { PageJob } from './page_result.js';
import { listPages } from './page_source.js';
import { inShard, parseShard } from './shard.js';
import { ResultStore } from './result_store.js';
import { MergedStores, dbPaths } from './merged_stores.js';
import { pendingJobs, runLocal } from './local_runner.js';
import { connect, openQueue, redisUrl } from './page_queue.js';
import { queueStatus, retryFailedJobs, submitJobs, type Status } from './queue_commands.js';
import { runWorker } from './page_worker.js';
import { exportText, exportXml } from './export_pages.js';
import { ExportFlags, RetryFlags, SearchFlags, StatusFlags, SubmitFlags, WorkerFlags } from './cli_flags.js';

export interface Io {
  readonly stdout: { write(text: string): unknown };
  readonly stderr: { write(text: string): unknown };
}

interface Command {
  readonly schema: z.ZodObject;
  readonly usage: string;
  /** Positional arguments the command takes (0 or 1). */
  readonly positional?: string;
  run(flags: never, positional: string | undefined, io: Io): Promise<number>;
}

const COMMANDS: Record<string, Command> = {
  submit: { schema: SubmitFlags, usage: 'submit <folder|zip|manifest|glob> --collection NAME [--local] [--shard i/n]', positional: 'input', run: submit },
  worker: { schema: WorkerFlags, usage: 'worker [--concurrency N] [--until-idle] [--page-timeout SECONDS]', run: worker },
  status: { schema: StatusFlags, usage: 'status [--json] [--collection NAME]', run: status },
  'retry-failed': { schema: RetryFlags, usage: 'retry-failed [--collection NAME] [--local]', run: retryFailed },
  search: { schema: SearchFlags, usage: 'search "text" [--collection NAME]', positional: 'text', run: search },
  export: { schema: ExportFlags, usage: 'export --format jsonl|txt|page-xml|alto [--output PATH]', run: exportCmd },
};

function usage(): string {
  return `Usage: htr_batch <command> [options]\n\n${Object.values(COMMANDS).map((c) => `  htr_batch ${c.usage}`).join('\n')}\n\nhtr_batch <command> --help lists its options.`;
}

function engineSpec(f: { ckpt_path: string; accelerator: string; max_pixels: number }): EngineSpec {
  return { ckpt_path: f.ckpt_path, accelerator: f.accelerator as EngineSpec['accelerator'] & string, max_pixels: f.max_pixels };
}

async function submit(f: z.infer<typeof SubmitFlags>, input: string | undefined, io: Io): Promise<number> {
  if (!input) throw new FlagError('submit needs the pages: a folder, a .zip, a manifest or a glob');
  const shard = f.shard === undefined ? undefined : parseShard(f.shard);
  const say = (m: string): void => void (f.quiet || io.stderr.write(`${m}\n`));
  const modelId = await engineModelId(engineSpec(f));
  const pages = (await listPages(input)).filter((p) => inShard(p.pageHash, shard));
  const jobs: PageJob[] = pages.map((p) => ({ collection: f.collection, file: p.file, pageHash: p.pageHash, modelId }));
  const store = new ResultStore(f.db);
  try {
    if (f.local) {
      const todo = pendingJobs(jobs, store);
      say(`${jobs.length} pages${shard ? ` in shard ${shard.index}/${shard.count}` : ''}, ${jobs.length - todo.length} already done or failed, ${todo.length} to do`);
      if (!todo.length) return 0;
      const engine = await loadEngine(engineSpec(f), say);
      const t0 = performance.now();
      try {
        const r = await runLocal(todo, engine, store, {
          batchSize: f.batch_size,
          pageTimeoutMs: f.page_timeout * 1000,
          onFailure: (job, err) => say(`failed ${job.file}: ${err.message}`),
          onProgress: (done, failed, total) => {
            const rate = (done + failed) / ((performance.now() - t0) / 1000);
            say(`${done + failed}/${total} pages (${failed} failed) ${rate.toFixed(2)} pages/s ETA ${formatDurationUnits((total - done - failed) / Math.max(rate, 1e-9))}`);
          },
        });
        say(`stored ${r.done} pages in ${f.db}${r.failed ? `; ${r.failed} failed (htr_batch retry-failed --local)` : ''}`);
      } finally {
        engine.dispose();
      }
      return 0;
    }
    const redis = await connect(redisUrl(f.redis_url));
    const queue = openQueue(f.queue, redis);
    try {
      const r = await submitJobs(jobs, queue, redis, store, { attempts: f.attempts, backoffMs: f.backoff_ms });
      say(`${r.pages} pages${shard ? ` in shard ${shard.index}/${shard.count}` : ''}: ${r.done} already stored, ${r.enqueued} newly enqueued on ${f.queue}`);
      io.stdout.write(`${JSON.stringify(r)}\n`);
    } finally {
      await queue.close();
      redis.disconnect();
    }
    return 0;
  } finally {
    store.close();
  }
}

async function worker(f: z.infer<typeof WorkerFlags>, _: string | undefined, io: Io): Promise<number> {
  const say = (m: string): void => void (f.quiet || io.stderr.write(`${m}\n`));
  // Fail here, not in every child, when the checkpoint is missing.
  await engineModelId(engineSpec(f));
  const redis = await connect(redisUrl(f.redis_url));
  try {
    const r = await runWorker({
      queue: f.queue,
      connection: redis,
      settings: { ...engineSpec(f), db: f.db },
      concurrency: f.concurrency,
      untilIdle: f.until_idle,
      lockMs: f.lock_ms,
      pageTimeoutMs: f.page_timeout * 1000,
      log: say,
    });
    say(`worker done: ${r.completed} pages completed, ${r.failed} failed`);
  } finally {
    redis.disconnect();
  }
  return 0;
}

function formatStatus(s: Status): string {
  const rows = [['collection', 'done', 'failed', 'remaining', 'lines', 'pages/s', 'ETA']];
  for (const c of s.collections) {
    rows.push([c.collection, String(c.done), String(c.failed), String(c.remaining), String(c.lines), c.pagesPerS.toFixed(2), c.etaS === null ? '?' : formatDurationUnits(c.etaS)]);
  }
  const w = rows[0]!.map((_, i) => Math.max(...rows.map((r) => (r[i] as string).length)));
  const table = rows.map((r) => r.map((cell, i) => (i ? cell.padStart(w[i] as number) : cell.padEnd(w[i] as number))).join('  ')).join('\n');
  const q = s.queue ? `\nqueue: ${s.queue.waiting} waiting, ${s.queue.active} active, ${s.queue.delayed} delayed (retrying), ${s.queue.failed} failed` : '';
  return `${table}${q}\n`;
}

async function status(f: z.infer<typeof StatusFlags>, _: string | undefined, io: Io): Promise<number> {
  const stores = new MergedStores(dbPaths(f.db));
  const opts = { ...(f.collection ? { collection: f.collection } : {}), windowS: f.window_s };
  try {
    let s: Status;
    if (f.local) {
      s = { queue: null, collections: stores.counts(opts).map((c) => ({ ...c, remaining: 0, etaS: 0 })) };
    } else {
      const redis = await connect(redisUrl(f.redis_url));
      const queue = openQueue(f.queue, redis);
      try {
        // The first store answers for per-collection counts; merged counts replace them below.
        s = await queueStatus(stores.stores[0] as ResultStore, queue, redis, opts);
        const merged = new Map(stores.counts(opts).map((c) => [c.collection, c]));
        s = { ...s, collections: s.collections.map((c) => ({ ...c, ...(merged.get(c.collection) ?? {}) })) };
      } finally {
        await queue.close();
        redis.disconnect();
      }
    }
    io.stdout.write(f.json ? `${JSON.stringify(s)}\n` : formatStatus(s));
  } finally {
    stores.close();
  }
  return 0;
}

async function retryFailed(f: z.infer<typeof RetryFlags>, _: string | undefined, io: Io): Promise<number> {
  const say = (m: string): void => void (f.quiet || io.stderr.write(`${m}\n`));
  const store = new ResultStore(f.db);
  try {
    if (f.local) {
      const jobs: PageJob[] = store.failures(f.collection).map((x) => ({ collection: x.collection, file: x.file, pageHash: x.pageHash, modelId: x.modelId }));
      if (!jobs.length) {
        say('no failed pages');
        return 0;
      }
      const engine = await loadEngine(engineSpec(f), say);
      try {
        for (const j of jobs) store.clearFailure(j);
        const r = await runLocal(jobs, engine, store, { pageTimeoutMs: f.page_timeout * 1000, onFailure: (job, err) => say(`failed again ${job.file}: ${err.message}`) });
        say(`retried ${jobs.length} pages: ${r.done} stored, ${r.failed} failed again`);
      } finally {
        engine.dispose();
      }
      return 0;
    }
    const redis = await connect(redisUrl(f.redis_url));
    const queue = openQueue(f.queue, redis);
    try {
      const n = await retryFailedJobs(queue, store, f.collection);
      say(`re-enqueued ${n} failed pages`);
      io.stdout.write(`${JSON.stringify({ retried: n })}\n`);
    } finally {
      await queue.close();
      redis.disconnect();
    }
    return 0;
  } finally {
    store.close();
  }
}

async function search(f: z.infer<typeof SearchFlags>, text: string | undefined, io: Io): Promise<number> {
  if (!text) throw new FlagError('search needs the text to find');
  const stores = new MergedStores(dbPaths(f.db));
  try {
    const hits = stores.search(text, { ...(f.collection ? { collection: f.collection } : {}), limit: f.limit });
    for (const h of hits) {
      io.stdout.write(f.json ? `${JSON.stringify(h)}\n` : `${h.collection}  ${h.file}  line ${h.line + 1}  [${h.box.left},${h.box.top} ${h.box.right},${h.box.bottom}]  ${h.text}\n`);
    }
    return hits.length ? 0 : 1;
  } finally {
    stores.close();
  }
}

async function exportCmd(f: z.infer<typeof ExportFlags>, _: string | undefined, io: Io): Promise<number> {
  const stores = new MergedStores(dbPaths(f.db));
  try {
    const pages = stores.pages(f.collection);
    if (f.format === 'jsonl' || f.format === 'txt') {
      const text = exportText(pages, f.format);
      if (f.output) await writeFile(f.output, text);
      else io.stdout.write(text);
    } else {
      if (!f.output) throw new FlagError(`--format ${f.format} writes a file per page: give the folder with --output`);
      const written = await exportXml(pages, f.format, f.output);
      io.stderr.write(`wrote ${written.length} ${f.format} files to ${f.output}\n`);
    }
    return 0;
  } finally {
    stores.close();
  }
}

export async function main(argv: readonly string[], io: Io = process): Promise<number> {
  const [name, ...rest] = argv;
  const cmd = name ? COMMANDS[name] : undefined;
  if (!cmd) {
    if (name && name !== '--help' && name !== '-h') io.stderr.write(`unknown command "${name}"\n`);
    io[name && name !== '--help' && name !== '-h' ? 'stderr' : 'stdout'].write(`${usage()}\n`);
    return name && name !== '--help' && name !== '-h' ? 2 : 0;
  }
  try {
    const raw = parseFlags(cmd.schema, rest, { positionals: cmd.positional !== undefined });
    if (raw === 'help') {
      io.stdout.write(`Usage: htr_batch ${cmd.usage}\n\n${flagHelp(cmd.schema)}\n`);
      return 0;
    }
    if (raw.positionals.length > 1) throw new FlagError(`${name} takes one ${cmd.positional}, got ${raw.positionals.length}: ${raw.positionals.join(' ')}`);
    const flags = validateFlags(cmd.schema, raw.values);
    return await cmd.run(flags as never, raw.positionals[0], io);
  } catch (err) {
    if (err instanceof FlagError) {
      io.stderr.write(`${err.message}\nUsage: htr_batch ${cmd.usage}\n`);
      return 2;
    }
    io.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
    const usageError = isHtrError(err) && ['HTR_ERR_MISSING_FILE', 'HTR_ERR_BAD_DATA_FILE', 'HTR_ERR_CONFIG_INVALID'].includes(err.code);
    return usageError ? 2 : 1;
  }
}
