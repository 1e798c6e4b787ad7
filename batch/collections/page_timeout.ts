/**
 * The per-page time limit (`--page-timeout`): its default, the error a page
 * that runs past it fails with, and the message a sandbox child sends (as the
 * job's progress) when it starts a page, which tells the worker's watchdog
 * which process to kill.
 */

import { HtrError } from '../../model_package/errors.js';

export const DEFAULT_PAGE_TIMEOUT_S = 300;

/** HTR_ERR_PAGE_TIMEOUT: the code travels in the message, so the failures table records it. */
export class PageTimeoutError extends HtrError {
  constructor(readonly file: string, readonly limitMs: number, how: string, cause?: unknown) {
    super('HTR_ERR_PAGE_TIMEOUT', { file, seconds: limitMs / 1000, how }, cause === undefined ? undefined : { cause });
    this.name = 'PageTimeoutError';
  }
}

/** What a sandbox child reports as the job's progress when it starts the page (after loading its engine). */
export interface PageStarted {
  readonly pid: number;
  readonly started_at: number;
}

export function pageStarted(): PageStarted {
  return { pid: process.pid, started_at: Date.now() };
}

export function isPageStarted(progress: unknown): progress is PageStarted {
  return typeof progress === 'object' && progress !== null && Number.isInteger((progress as { pid?: unknown }).pid);
}
