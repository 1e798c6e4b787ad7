/**
 * `run_experiment report RUN_DIR [RUN_DIR...] [--out FILE]`
 *
 * One run: rebuilds RUN_DIR/report.html from its files (also for a run that
 * crashed before writing it). Several runs, or an experiment directory holding
 * runs: one comparison page with every run on the same charts.
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { z } from 'zod';
import { FlagError, parseFlags, validateFlags } from '../model_package/config/flags.js';
import { isHtrError } from '../model_package/errors.js';
import { readRun, renderCompareHtml, renderRunHtml } from '../model_package/loggers/report/index.js';
import { RUN_FILES } from '../model_package/loggers/run_dir.js';
import { writeFileAtomicSync } from '../model_package/core/atomic_write.js';

interface Io {
  readonly stdout: { write(text: string): unknown };
  readonly stderr: { write(text: string): unknown };
}

export const REPORT_USAGE = `Usage: run_experiment report RUN_DIR [RUN_DIR...] [--out FILE] [--link-images]

  RUN_DIR        a run directory (runs/<experiment>/<run-id>) or an experiment
                 directory, which stands for every run inside it
  --out FILE     where to write the page (one run: RUN_DIR/report.html;
                 several: compare.html in the current directory)
  --link-images  link media/*.png instead of embedding them (smaller file that
                 only works next to the run's media/ folder)
`;

const ReportFlags = z.strictObject({
  out: z.string().min(1).optional(),
  link_images: z.boolean().default(false),
});

export async function reportMain(argv: readonly string[], io: Io = process): Promise<number> {
  let dirs: string[];
  let flags: z.infer<typeof ReportFlags>;
  try {
    const parsed = parseFlags(ReportFlags, argv, { positionals: true });
    if (parsed === 'help') {
      io.stdout.write(REPORT_USAGE);
      return 0;
    }
    dirs = parsed.positionals;
    flags = validateFlags(ReportFlags, parsed.values);
  } catch (err) {
    if (err instanceof FlagError) return usage(io, err.message);
    throw err;
  }
  if (dirs.length === 0) return usage(io, 'give at least one run directory');
  const { out } = flags;
  const inlineImages = !flags.link_images;
  try {
    const runDirs = dirs.flatMap(expandRunDirs);
    const runs = runDirs.map((d) => readRun(d));
    let file: string;
    if (runs.length === 1) {
      const run = runs[0]!;
      file = out ?? join(run.dir, RUN_FILES.report);
      writeFileAtomicSync(file, renderRunHtml(run, { inlineImages }));
    } else {
      file = out ?? 'compare.html';
      writeFileAtomicSync(file, renderCompareHtml(runs));
    }
    io.stdout.write(`${resolve(file)}\n`);
    return 0;
  } catch (err) {
    io.stderr.write(`${isHtrError(err) ? err.message : err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    return isHtrError(err) ? 2 : 1;
  }
}

/** A run directory as is; an experiment directory as its run directories (sorted, oldest id first). */
function expandRunDirs(dir: string): string[] {
  const isRun = (d: string) => existsSync(join(d, RUN_FILES.metrics)) || existsSync(join(d, RUN_FILES.run));
  if (!existsSync(dir) || isRun(dir) || !statSync(dir).isDirectory()) return [dir];
  const children = readdirSync(dir)
    .map((name) => join(dir, name))
    .filter((d) => statSync(d).isDirectory() && isRun(d))
    .sort();
  return children.length > 0 ? children : [dir];
}

function usage(io: Io, problem: string): number {
  io.stderr.write(`report: ${problem}\n${REPORT_USAGE}`);
  return 2;
}
