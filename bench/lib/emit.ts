/** The common start of a bench's JSON result, and writing it (atomically to --out, and to stdout). */
import os from 'node:os';
import { writeFileAtomicSync } from '../../model_package/core/atomic_write.js';

export function benchHeader(bench: string): { bench: string; date: string; load_average: number[] } {
  return { bench, date: new Date().toISOString(), load_average: os.loadavg().map((v) => Math.round(v * 100) / 100) };
}

export function emitResult(result: object, out: string | undefined): void {
  const text = `${JSON.stringify(result, null, 2)}\n`;
  if (out) writeFileAtomicSync(out, text);
  process.stdout.write(text);
}
