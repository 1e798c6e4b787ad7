/**
 * The per-page time limit (`--page-timeout`): its default, the error a page
 * that runs past it fails with, and the message a sandbox child sends (as the
 * job's progress) when it starts a page, which tells the worker's watchdog
 * which process to kill.
 */

export const DEFAULT_PAGE_TIMEOUT_S = 300;

export class PageTimeoutError extends Error {
  constructor(readonly file: string, readonly limitMs: number, how: string, cause?: unknown) {
    super(`page timeout: ${file} ran longer than --page-timeout ${limitMs / 1000} s; ${how}`, cause === undefined ? undefined : { cause });
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
