import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { RUN_FILES } from '../../model_package/loggers/run_dir.js';
import { reportMain } from '../../training/report_cli.js';
import { writeSyntheticRun } from '../model_package/loggers/synthetic_run.js';

function io() {
  const out: string[] = [];
  const err: string[] = [];
  return { out, err, io: { stdout: { write: (s: string) => out.push(s) }, stderr: { write: (s: string) => err.push(s) } } };
}

describe('run_experiment report', () => {
  it('rebuilds report.html of one run (e.g. after a crash deleted it)', async () => {
    const { runDir } = await writeSyntheticRun({ rootDir: mkdtempSync(join(tmpdir(), 'htr-rep-')), epochs: 2 });
    rmSync(join(runDir, RUN_FILES.report));
    const t = io();
    expect(await reportMain([runDir], t.io)).toBe(0);
    const file = join(runDir, RUN_FILES.report);
    expect(t.out.join('').trim()).toBe(file);
    expect(readFileSync(file, 'utf8')).toContain('data-label="val/cer"');
  });

  it('links images instead of embedding them with --link-images, and honours --out', async () => {
    const root = mkdtempSync(join(tmpdir(), 'htr-rep-'));
    const { runDir } = await writeSyntheticRun({ rootDir: root, epochs: 1 });
    const out = join(runDir, 'linked.html');
    expect(await reportMain([runDir, '--link-images', '--out', out], io().io)).toBe(0);
    const html = readFileSync(out, 'utf8');
    expect(html).not.toContain('data:image/png');
    const src = /<img src="(media\/[^"]+\.png)"/.exec(html)?.[1] as string;
    expect(existsSync(join(runDir, src))).toBe(true);
    expect(statSync(out).size).toBeLessThan(statSync(join(runDir, RUN_FILES.report)).size);
  });

  it('compares several runs, or every run of an experiment directory, on one page', async () => {
    const root = mkdtempSync(join(tmpdir(), 'htr-rep-'));
    const a = await writeSyntheticRun({ rootDir: root, runId: 'a', epochs: 2 });
    await writeSyntheticRun({ rootDir: root, runId: 'b', epochs: 2, lossScale: 0.6 });
    const out = join(root, 'cmp.html');
    expect(await reportMain([join(root, 'synthetic'), `--out=${out}`], io().io)).toBe(0);
    const html = readFileSync(out, 'utf8');
    expect(html).toContain('Comparison of 2 runs');
    expect(html).toContain('data-label="a val/cer"');
    expect(html).toContain('data-label="b val/cer"');
    const out2 = join(root, 'cmp2.html');
    expect(await reportMain([a.runDir, join(root, 'synthetic', 'b'), '--out', out2], io().io)).toBe(0);
    expect(readFileSync(out2, 'utf8')).toContain('Comparison of 2 runs');
  });

  it('explains bad input with exit code 2', async () => {
    const missing = io();
    expect(await reportMain(['/nonexistent/run'], missing.io)).toBe(2);
    expect(missing.err.join('')).toContain('HTR_ERR_MISSING_FILE');
    const notRun = io();
    expect(await reportMain([mkdtempSync(join(tmpdir(), 'htr-empty-'))], notRun.io)).toBe(2);
    expect(notRun.err.join('')).toContain('not a run directory');
    const none = io();
    expect(await reportMain([], none.io)).toBe(2);
    expect(none.err.join('')).toContain('Usage: run_experiment report');
    expect(await reportMain(['--bogus'], io().io)).toBe(2);
    const help = io();
    expect(await reportMain(['--help'], help.io)).toBe(0);
    expect(help.out.join('')).toContain('--link-images');
  });
});
