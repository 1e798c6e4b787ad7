/**
 * What a queue worker hands its sandbox children (`page_processor.ts`, through
 * the HTR_BATCH_WORKER variable) and what a child answers per page. Kept apart
 * from the processor so the worker never loads the child's entry module.
 */
import type { EngineSpec } from './page_engine.js';

/** Test-only fault injection, set through the library API (the CLI has no flag for it). */
export interface PageFault {
  /** A page whose file ends with this blocks its child for good: the stuck page `--page-timeout` must end. */
  readonly hang?: string;
}

export interface WorkerSettings extends EngineSpec {
  /** SQLite store the results go to. */
  readonly db: string;
  readonly fault?: PageFault;
}

export const SETTINGS_ENV = 'HTR_BATCH_WORKER';

export interface PageOutcome {
  readonly lines: number;
}
