/** The flags of each `htr_batch` subcommand: one zod schema each, the one source of names, defaults and help. */
import { z } from 'zod';
import { DEFAULT_QUEUE } from './page_queue.js';
import { DEFAULT_DB } from './result_store.js';
import { EXPORT_FORMATS } from './export_pages.js';
import { DEFAULT_PAGE_TIMEOUT_S } from './page_timeout.js';

const db = z.string().default(DEFAULT_DB).describe('SQLite results store');
const dbs = z.string().default(DEFAULT_DB).describe('SQLite results store; several, comma-separated, are merged (workers that wrote their own file)');
const queue = z.string().default(DEFAULT_QUEUE).describe('BullMQ queue name');
const redisUrl = z.string().optional().describe('Redis server (default: $REDIS_URL, else redis://127.0.0.1:6379)');
const ckptPath = z.string().default('models/demo/demo.ckpt').describe('checkpoint to recognize with; its sha256 is the model id');
// Checked by initBackend when a model loads (importing the list here would load tfjs for every command).
const accelerator = z.string().default('auto').describe('tensor backend: auto, gpu, native, wasm or cpu');
const collection = z.string().min(1).describe('collection name');
const local = z.boolean().default(false).describe('run in this process, without Redis');
const quiet = z.boolean().default(false).describe('no progress output');
const localPageTimeout = z
  .number()
  .positive()
  .default(DEFAULT_PAGE_TIMEOUT_S)
  .describe('seconds a page may take (--local): a page still waiting then fails; one stuck in computation cannot be stopped in-process');

export const SubmitFlags = z.strictObject({
  collection,
  ckpt_path: ckptPath,
  db,
  local,
  shard: z.string().optional().describe('only the slice i/n of the pages (0-based), e.g. 0/4 or $JOB_COMPLETION_INDEX/4'),
  attempts: z.number().int().positive().default(3).describe('tries per page before it is failed'),
  backoff_ms: z.number().int().nonnegative().default(5000).describe('first retry delay; doubles on each retry'),
  batch_size: z.number().int().positive().default(8).describe('pages recognized together (--local)'),
  page_timeout: localPageTimeout,
  max_pixels: z.number().int().positive().default(50_000_000).describe('larger pages fail with HTR_ERR_IMAGE_TOO_LARGE'),
  accelerator,
  queue,
  redis_url: redisUrl,
  quiet,
});

export const WorkerFlags = z.strictObject({
  ckpt_path: ckptPath,
  db,
  concurrency: z.number().int().positive().default(1).describe('pages in flight, each in its own sandboxed child process'),
  until_idle: z.boolean().default(false).describe('exit 0 once nothing is waiting, delayed or running'),
  lock_ms: z.number().int().positive().default(30_000).describe("how long a page stays claimed without the worker's heartbeat; a dead worker's pages go back to the queue after this"),
  page_timeout: z.number().positive().default(DEFAULT_PAGE_TIMEOUT_S).describe("seconds a page may run; then its child process is killed and the page retried, then failed"),
  max_pixels: z.number().int().positive().default(50_000_000).describe('larger pages fail with HTR_ERR_IMAGE_TOO_LARGE'),
  accelerator,
  queue,
  redis_url: redisUrl,
  quiet,
});

export const StatusFlags = z.strictObject({
  db: dbs,
  collection: collection.optional(),
  json: z.boolean().default(false).describe('print counts as JSON'),
  local: z.boolean().default(false).describe('store only, do not ask Redis'),
  window_s: z.number().positive().default(60).describe('pages/s is measured over this many recent seconds'),
  queue,
  redis_url: redisUrl,
});

export const RetryFlags = z.strictObject({
  db,
  collection: collection.optional(),
  local: z.boolean().default(false).describe('re-run the failed pages in this process now, without Redis'),
  ckpt_path: ckptPath,
  accelerator,
  max_pixels: z.number().int().positive().default(50_000_000).describe('larger pages fail with HTR_ERR_IMAGE_TOO_LARGE'),
  page_timeout: localPageTimeout,
  queue,
  redis_url: redisUrl,
  quiet,
});

export const SearchFlags = z.strictObject({
  db: dbs,
  collection: collection.optional(),
  limit: z.number().int().positive().default(20).describe('most hits shown'),
  json: z.boolean().default(false).describe('print hits as JSON lines'),
});

export const ExportFlags = z.strictObject({
  db: dbs,
  collection: collection.optional(),
  format: z.enum(EXPORT_FORMATS).default('jsonl').describe('jsonl or txt (one file), page-xml or alto (a file per page)'),
  output: z.string().optional().describe('file (jsonl, txt; default stdout) or folder (page-xml, alto; required)'),
});
