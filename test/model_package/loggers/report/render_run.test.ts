import { appendFileSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { LocalLogger } from '../../../../model_package/loggers/local_logger.js';
import { readRun, renderCompareHtml, renderRunHtml, renderRunReport } from '../../../../model_package/loggers/report/index.js';
import { createRunDir, RUN_FILES } from '../../../../model_package/loggers/run_dir.js';
import { strokeImage, writeSyntheticRun } from '../synthetic_run.js';

const tmp = () => mkdtempSync(join(tmpdir(), 'htr-report-'));

/** `d` attribute of the chart path drawn for `label` (the smoothed one when smoothed). */
function pathsFor(html: string, label: string): string[] {
  return [...html.matchAll(new RegExp(`<path class="series" data-label="${label.replace(/[/]/g, '\\/')}" d="([^"]+)"`, 'g'))].map((m) => m[1] as string);
}

describe('run report', () => {
  it('draws loss, CER, WER and lr curves by step and by epoch, and a prediction table per validation', async () => {
    const { runDir } = await writeSyntheticRun({ rootDir: tmp(), epochs: 3, stepsPerEpoch: 20 });
    const html = readFileSync(join(runDir, RUN_FILES.report), 'utf8');
    for (const id of ['loss', 'cer', 'wer', 'lr']) expect(html).toContain(`id="chart-${id}"`);
    // Step and epoch versions of each curve; train/loss has 60 points -> a path of 60 vertices.
    const train = pathsFor(html, 'train/loss');
    expect(train).toHaveLength(2);
    expect((train[0]?.match(/[ML]/g) ?? []).length).toBe(60);
    expect(pathsFor(html, 'val/cer')).toHaveLength(2);
    expect((pathsFor(html, 'val/cer')[0]?.match(/[ML]/g) ?? []).length).toBe(3);
    expect(pathsFor(html, 'lr')).toHaveLength(2);
    // One table per validation, newest open, 6 rows each, worst first.
    expect((html.match(/<details class="table"/g) ?? []).length).toBe(3);
    expect((html.match(/<tr class="pred-row">/g) ?? []).length).toBe(18);
    expect(html).toMatch(/<details class="table" data-name="val\/predictions" data-step="60" open>/);
    expect(html).toContain('data:image/png;base64,');
    // Config, environment and summary.
    expect(html).toContain('max_epochs: 3');
    expect(html).toContain('@tensorflow/tfjs-core');
    expect(html).toContain('best val CER');
    expect(html).toContain('891,234');
    expect(html).toMatch(/<div class="k">epochs<\/div><div class="v">3<\/div><div class="d">of 3 planned<\/div>/);
  });

  it('is self-contained: no external scripts, styles, fonts or images', async () => {
    const { runDir } = await writeSyntheticRun({ rootDir: tmp(), epochs: 1 });
    const html = readFileSync(join(runDir, RUN_FILES.report), 'utf8');
    expect(html).not.toMatch(/<script[^>]+src=/i);
    expect(html).not.toMatch(/<link[^>]+href=/i);
    expect(html).not.toMatch(/(src|href)="(https?:)?\/\//i);
    expect(html).not.toMatch(/url\((['"]?)(https?:)?\/\//i);
    expect(html).not.toMatch(/@import/);
  });

  it('escapes text from the data and marks wrong characters', async () => {
    const runDir = createRunDir(tmp(), 'x', 'esc');
    const logger = new LocalLogger({ runDir, experiment: 'x', runId: 'esc', tableRows: 5 });
    logger.logMetrics({ 'train/loss': 1 }, 1);
    await logger.logTable('val/predictions', [{ id: '<b>id</b>', image: strokeImage('a'), groundTruth: '<script>alert(1)</script>', prediction: 'cat & dog', cer: 0.9 }], 1);
    const html = await renderRunReport(runDir);
    expect(html).not.toContain('<script>alert(1)</script>');
    expect(html).toContain('&lt;script&gt;');
    expect(html).toContain('&amp;');
    expect(html).toContain('<mark class="sub">');
  });

  it('embeds the images of the latest tables and links older ones, so long runs keep a small report', async () => {
    const { runDir } = await writeSyntheticRun({ rootDir: tmp(), epochs: 7, stepsPerEpoch: 2 });
    const html = readFileSync(join(runDir, RUN_FILES.report), 'utf8');
    const tables = html.split('<details class="table"').slice(1);
    expect(tables).toHaveLength(7);
    expect(tables.slice(0, 5).every((t) => t.includes('data:image/png;base64,') && !t.includes('src="media/'))).toBe(true);
    expect(tables.slice(5).every((t) => !t.includes('data:image/png') && t.includes('src="media/val_predictions/step_'))).toBe(true);
  });

  it('reads a run that was killed mid-write and says so', async () => {
    const { runDir } = await writeSyntheticRun({ rootDir: tmp(), epochs: 1, finish: false });
    appendFileSync(join(runDir, RUN_FILES.metrics), '{"step": 99, "train/lo');
    const run = readRun(runDir);
    expect(run.skippedLines).toBe(1);
    expect(run.info.status).toBe('running');
    const html = renderRunHtml(run);
    expect(html).toContain('unreadable line');
    expect(html).toContain('class="pill running"');
  });

  it('puts the epoch coordinate at step / steps-per-epoch', async () => {
    const { runDir } = await writeSyntheticRun({ rootDir: tmp(), epochs: 2, stepsPerEpoch: 10 });
    const run = readRun(runDir);
    expect(run.series.get('val/cer')?.map((p) => p.epoch)).toEqual([1, 2]);
    expect(run.series.get('train/loss')?.[4]).toMatchObject({ step: 5, epoch: 0.5 });
  });

  it('gives the wall times of the first and last metric records', async () => {
    const { runDir } = await writeSyntheticRun({ rootDir: tmp(), epochs: 1 });
    const times = readFileSync(join(runDir, RUN_FILES.metrics), 'utf8').trim().split('\n').map((l) => (JSON.parse(l) as { time: number }).time);
    const run = readRun(runDir);
    expect([run.firstTime, run.lastTime]).toEqual([Math.min(...times), Math.max(...times)]);
  });
});

describe('comparison report', () => {
  it('draws every run on the same charts and lists config differences', async () => {
    const root = tmp();
    const a = await writeSyntheticRun({ rootDir: root, runId: 'a', epochs: 2, lossScale: 1 });
    const b = await writeSyntheticRun({ rootDir: root, runId: 'b', epochs: 2, lossScale: 0.5, seed: 2 });
    const html = renderCompareHtml([readRun(a.runDir), readRun(b.runDir)]);
    expect(pathsFor(html, 'a train/loss')).toHaveLength(2);
    expect(pathsFor(html, 'b train/loss')).toHaveLength(2);
    expect(pathsFor(html, 'a val/cer')).toHaveLength(2);
    expect(pathsFor(html, 'b val/cer')).toHaveLength(2);
    expect((html.match(/<tr class="run-row">/g) ?? []).length).toBe(2);
    expect(html).toContain('Config differences');
    expect(html).toContain('<code>optimizer.lr</code>');
    expect(html).toContain('<code>seed_everything</code>');
    expect(html).not.toContain('<code>trainer.max_epochs</code>');
  });
});
