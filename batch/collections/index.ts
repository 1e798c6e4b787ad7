/** Large collections: pages in, lines out, through a local run or a BullMQ queue, into a SQLite store. See docs/collections.md. */
export * from './page_result.js';
export * from './result_store.js';
export * from './merged_stores.js';
export * from './search_query.js';
export * from './shard.js';
export * from './page_source.js';
export * from './page_engine.js';
export * from './page_job.js';
export * from './local_runner.js';
export * from './page_queue.js';
export * from './queue_commands.js';
export * from './page_timeout.js';
export * from './page_watchdog.js';
export * from './page_worker.js';
export * from './worker_settings.js';
export * from './export_pages.js';
export * from './alto_writer.js';
