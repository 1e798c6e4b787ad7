/** report.html of one run: summary cards, curves, prediction tables, config and environment. */
import { chartGroups, metricColor, metricDash } from './chart_groups.js';
import { escapeHtml } from './html.js';
import { readRun, type MetricPoint, type RunData } from './read_run.js';
import { cards, chartsSection, configSection, page, tablesSection, type ChartCard } from './sections.js';
import { formatNumber } from './svg_chart.js';

export interface RenderOptions {
  /** Embed PNGs as data URIs (one portable file) instead of relative media/ links. */
  readonly inlineImages?: boolean;
}

export async function renderRunReport(dir: string, opts: RenderOptions = {}): Promise<string> {
  return renderRunHtml(readRun(dir), opts);
}

export function renderRunHtml(run: RunData, opts: RenderOptions = {}): string {
  const { info } = run;
  const groups = chartGroups(run.series.keys());
  let colorIndex = 0;
  const chartCards: ChartCard[] = groups.map((group) => {
    const keys = group.keys;
    const colors = keys.map((k) => metricColor(k, colorIndex++));
    return {
      group,
      byStep: keys.map((k, i) => ({ label: k, color: colors[i] as string, dash: metricDash(k), points: (run.series.get(k) ?? []).map((p) => [p.step, p.value] as const) })),
      byEpoch: keys.map((k, i) => ({ label: k, color: colors[i] as string, dash: metricDash(k), points: epochPoints(run.series.get(k) ?? []) })),
      legend: keys.map((k, i) => ({ label: k, color: colors[i] as string, dash: metricDash(k) })),
    };
  });

  const header = `<h1>${escapeHtml(info.experiment)} / ${escapeHtml(info.runId)}<span class="pill ${info.status}">${escapeHtml(info.status)}</span></h1>
<div class="sub">${[
    info.startedAt ? `started ${info.startedAt.replace('T', ' ').slice(0, 19)} UTC` : '',
    duration(info.startedAt, info.endedAt ?? lastTime(run)),
    run.environment?.backend ? `backend ${run.environment.backend}` : '',
    run.dir,
  ].filter(Boolean).map((s) => `<span>${escapeHtml(s)}</span>`).join('')}</div>`;

  const warn = run.skippedLines > 0 ? `<div class="warn">${run.skippedLines} unreadable line(s) in metrics.jsonl/tables.jsonl were skipped (the run may have been killed mid-write).</div>` : '';
  const body = [
    warn,
    cards(summaryCards(run)),
    chartsSection(chartCards),
    tablesSection(run.dir, run.tables, { inlineImages: opts.inlineImages ?? true }),
    configSection(run.configYaml, run.environment),
  ].join('\n');
  return page(`${info.experiment}/${info.runId} · htr-ts report`, header, body);
}

function epochPoints(points: readonly MetricPoint[]): Array<readonly [number, number]> {
  return points.filter((p) => p.epoch !== null).map((p) => [p.epoch as number, p.value] as const);
}

export function summaryCards(run: RunData): Array<{ k: string; v: string; d?: string }> {
  const s = run.series;
  const out: Array<{ k: string; v: string; d?: string }> = [];
  const last = (k: string) => s.get(k)?.at(-1);
  const steps = Math.max(0, ...[...s.values()].flatMap((pts) => pts.map((p) => p.step)));
  out.push({ k: 'steps', v: String(steps), d: run.info.totalSteps ? `of ${run.info.totalSteps} planned` : undefined });
  // Epochs completed: exact from the run shape, else the last 0-based epoch index + 1.
  const spe = run.info.stepsPerEpoch;
  const lastEpoch = last('epoch');
  const epochs = spe ? steps / spe : lastEpoch ? lastEpoch.value + 1 : undefined;
  if (epochs !== undefined) {
    const planned = spe && run.info.totalSteps ? Math.ceil(run.info.totalSteps / spe) : undefined;
    out.push({ k: 'epochs', v: formatNumber(epochs, 3), d: planned ? `of ${planned} planned` : undefined });
  }
  const valCer = s.get('val/cer');
  if (valCer && valCer.length > 0) {
    const best = valCer.reduce((a, b) => (b.value < a.value ? b : a));
    out.push({ k: 'best val CER', v: pct(best.value), d: `at step ${best.step}` });
    out.push({ k: 'last val CER', v: pct((valCer.at(-1) as MetricPoint).value) });
  }
  const valWer = last('val/wer');
  if (valWer) out.push({ k: 'last val WER', v: pct(valWer.value) });
  const trainLoss = last('train/loss');
  if (trainLoss) out.push({ k: 'last train loss', v: formatNumber(trainLoss.value, 4) });
  const testCer = last('test/cer') ?? (run.info.test?.['test/cer'] !== undefined ? { value: run.info.test['test/cer'] } : undefined);
  if (testCer) out.push({ k: 'test CER', v: pct(testCer.value) });
  const params = run.info.model?.['model/num_parameters'] ?? last('model/num_parameters')?.value;
  if (params !== undefined) out.push({ k: 'parameters', v: formatNumber(params, 3), d: params.toLocaleString('en-US') });
  const mb = run.info.model?.['model/size_mb'] ?? last('model/size_mb')?.value;
  if (mb !== undefined) out.push({ k: 'model size', v: mb >= 1 ? `${formatNumber(mb, 3)} MB` : `${formatNumber(mb * 1000, 3)} kB`, d: 'float32 weights + buffers' });
  return out;
}

function pct(v: number): string {
  return `${(v * 100).toFixed(2)}%`;
}

function lastTime(run: RunData): string | undefined {
  return run.lastTime === null ? undefined : new Date(run.lastTime * 1000).toISOString();
}

function duration(start: string | undefined, end: string | undefined): string {
  if (!start || !end) return '';
  const s = (Date.parse(end) - Date.parse(start)) / 1000;
  if (!Number.isFinite(s) || s < 0) return '';
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = Math.round(s % 60);
  return `ran ${h > 0 ? `${h} h ` : ''}${m > 0 || h > 0 ? `${m} min ` : ''}${sec} s`;
}
