/** Sends one call to every active logger; one failing logger must not stop the others or the run. */
import type { Logger, PredictionRow } from '../types.js';

export async function logTableAll(loggers: readonly Logger[], name: string, rows: readonly PredictionRow[], step: number): Promise<void> {
  await each(loggers, (l) => l.logTable(name, rows, step));
}

export async function logMetricsAll(loggers: readonly Logger[], metrics: Readonly<Record<string, number>>, step: number): Promise<void> {
  await each(loggers, (l) => l.logMetrics(metrics, step));
}

async function each(loggers: readonly Logger[], fn: (l: Logger) => void | Promise<void>): Promise<void> {
  const results = await Promise.allSettled(loggers.map(async (l) => fn(l)));
  for (const r of results) if (r.status === 'rejected') process.emitWarning(`logger failed: ${r.reason instanceof Error ? r.reason.message : String(r.reason)}`);
}
