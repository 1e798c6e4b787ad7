/**
 * Subcommands implemented elsewhere: `report` (training/report_cli.ts) and
 * `predict` (training/predict_cli.ts). Loaded on demand so run_experiment works,
 * and says what is missing, in a build without them.
 */
import { existsSync } from 'node:fs';
import { htrError } from '../model_package/errors.js';
import type { ConfigObject } from '../model_package/config/index.js';

interface Io {
  readonly stdout: { write(text: string): unknown };
  readonly stderr: { write(text: string): unknown };
}

const MODULES = {
  report: { file: 'report_cli', fn: 'reportMain' },
  predict: { file: 'predict_cli', fn: 'predictMain' },
} as const;

export async function runDelegate(kind: keyof typeof MODULES, argv: readonly string[], config: ConfigObject | undefined, io: Io): Promise<number> {
  const { file, fn } = MODULES[kind];
  const url = ['.ts', '.js'].map((ext) => new URL(`./${file}${ext}`, import.meta.url)).find((u) => existsSync(u));
  if (!url) {
    const err = htrError('HTR_ERR_CLASS_UNAVAILABLE', { value: kind, reason: `the "${kind}" subcommand needs training/${file}.ts, which this build does not have` });
    io.stderr.write(`${err.message}\n`);
    return 2;
  }
  const mod = (await import(url.href)) as Record<string, unknown>;
  const entry = mod[fn];
  if (typeof entry !== 'function') throw new Error(`training/${file} does not export ${fn}()`);
  const code: unknown = kind === 'report' ? await entry([...argv], io) : await entry(config, [...argv], io);
  return typeof code === 'number' ? code : 0;
}
