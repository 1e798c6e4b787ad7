/** Several runs side by side: one chart per metric group with every run on it, and how their configs differ. */
import YAML from 'yaml';
import { chartGroups, runColor, stageDash } from './chart_groups.js';
import { escapeHtml } from './html.js';
import type { RunData } from './read_run.js';
import { summaryCards } from './render_run.js';
import { chartsSection, page, type ChartCard } from './sections.js';

export function renderCompareHtml(runs: readonly RunData[]): string {
  const names = runLabels(runs);
  const keys = new Set(runs.flatMap((r) => [...r.series.keys()]));
  const groups = chartGroups(keys);
  const cardsHtml: ChartCard[] = groups.map((group) => {
    const byStep = [];
    const byEpoch = [];
    for (const [ri, run] of runs.entries()) {
      for (const k of group.keys) {
        const pts = run.series.get(k);
        if (!pts || pts.length === 0) continue;
        const base = { label: `${names[ri]} ${k}`, color: runColor(ri), dash: stageDash(k) };
        byStep.push({ ...base, points: pts.map((p) => [p.step, p.value] as const) });
        byEpoch.push({ ...base, points: pts.filter((p) => p.epoch !== null).map((p) => [p.epoch as number, p.value] as const) });
      }
    }
    const stages = [...new Set(group.keys)];
    const legend = [
      ...runs.map((_, ri) => ({ label: names[ri] as string, color: runColor(ri) })),
      ...(stages.length > 1 ? stages.map((k) => ({ label: k, color: '#5f6670', dash: stageDash(k) })) : []),
    ];
    return { group, byStep, byEpoch, legend };
  });

  const header = `<h1>Comparison of ${runs.length} runs</h1><div class="sub"><span>solid = train</span><span>dashed = val</span><span>dotted = test</span></div>`;
  const body = [runsTable(runs, names), chartsSection(cardsHtml), configDiff(runs, names)].join('\n');
  return page(`Comparison of ${runs.length} runs · htr-ts report`, header, body);
}

/** Short unique labels: the run id, prefixed by the experiment when experiments differ. */
function runLabels(runs: readonly RunData[]): string[] {
  const sameExperiment = new Set(runs.map((r) => r.info.experiment)).size === 1;
  const labels = runs.map((r) => (sameExperiment ? r.info.runId : `${r.info.experiment}/${r.info.runId}`));
  return labels.map((l, i) => (labels.indexOf(l) !== i ? `${l} (${i + 1})` : l));
}

function runsTable(runs: readonly RunData[], names: readonly string[]): string {
  const cols = ['steps', 'best val CER', 'last val CER', 'last train loss', 'test CER', 'parameters'];
  const head = `<tr><th>run</th><th>status</th>${cols.map((c) => `<th>${c}</th>`).join('')}<th>directory</th></tr>`;
  const rows = runs.map((r, i) => {
    const c = new Map(summaryCards(r).map((x) => [x.k, x.v]));
    return `<tr class="run-row"><td><span class="swatch" style="background:${runColor(i)}"></span>${escapeHtml(names[i] as string)}</td>` +
      `<td><span class="pill ${r.info.status}" style="margin:0">${escapeHtml(r.info.status)}</span></td>` +
      cols.map((k) => `<td>${escapeHtml(c.get(k) ?? '—')}</td>`).join('') + `<td class="note">${escapeHtml(r.dir)}</td></tr>`;
  });
  return `<h2>Runs</h2><table class="runs">${head}${rows.join('')}</table>`;
}

/** Dotted config keys whose values are not the same in every run. */
export function configDifferences(configs: ReadonlyArray<Record<string, unknown> | null>): Array<{ key: string; values: string[] }> {
  const flats = configs.map((c) => (c ? flatten(c) : new Map<string, string>()));
  const keys = [...new Set(flats.flatMap((f) => [...f.keys()]))].sort();
  return keys
    .map((key) => ({ key, values: flats.map((f) => f.get(key) ?? '—') }))
    .filter((row) => new Set(row.values).size > 1);
}

function configDiff(runs: readonly RunData[], names: readonly string[]): string {
  const configs = runs.map((r) => {
    if (r.configYaml === null) return null;
    try {
      const v: unknown = YAML.parse(r.configYaml);
      return v && typeof v === 'object' ? (v as Record<string, unknown>) : null;
    } catch {
      return null;
    }
  });
  const diff = configDifferences(configs);
  if (diff.length === 0) return '<h2>Config differences</h2><p class="note">The configs are identical.</p>';
  const head = `<tr><th>key</th>${names.map((n, i) => `<th><span class="swatch" style="background:${runColor(i)}"></span>${escapeHtml(n)}</th>`).join('')}</tr>`;
  const rows = diff.map((d) => `<tr><td><code>${escapeHtml(d.key)}</code></td>${d.values.map((v) => `<td>${escapeHtml(v)}</td>`).join('')}</tr>`);
  return `<h2>Config differences</h2><table class="runs">${head}${rows.join('')}</table>`;
}

function flatten(obj: Record<string, unknown>, prefix = '', out = new Map<string, string>()): Map<string, string> {
  for (const [k, v] of Object.entries(obj)) {
    const key = prefix ? `${prefix}.${k}` : k;
    if (v && typeof v === 'object' && !Array.isArray(v)) flatten(v as Record<string, unknown>, key, out);
    else out.set(key, JSON.stringify(v));
  }
  return out;
}
