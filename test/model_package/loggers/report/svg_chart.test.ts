import { describe, expect, it } from 'vitest';
import { formatNumber, linearScale, lineChart, smooth } from '../../../../model_package/loggers/report/svg_chart.js';
import { alignChars, diffHtml } from '../../../../model_package/loggers/report/html.js';
import { chartGroups } from '../../../../model_package/loggers/report/chart_groups.js';

describe('svg chart', () => {
  it('picks round ticks that cover the data, from zero for small positive data', () => {
    expect(linearScale(0.13, 0.92, 5, true).ticks).toEqual([0, 0.2, 0.4, 0.6, 0.8, 1]);
    expect(linearScale(3, 97, 6, false).ticks).toEqual([0, 20, 40, 60, 80, 100]);
    expect(linearScale(5, 5, 5, false).ticks.length).toBeGreaterThan(1);
  });

  it('maps points into the plot area and switches to log y for losses spanning decades', () => {
    const pts: Array<[number, number]> = [[0, 10], [50, 1], [100, 0.01]];
    const svg = lineChart([{ label: 'train/loss', color: '#000', points: pts }], { xLabel: 'step', logY: 'auto', width: 500, height: 300 });
    expect(svg).toContain('log y');
    const d = /data-label="train\/loss" d="([^"]+)"/.exec(svg)?.[1] as string;
    const coords = [...d.matchAll(/[ML]([\d.]+),([\d.]+)/g)].map((m) => [Number(m[1]), Number(m[2])]);
    expect(coords).toHaveLength(3);
    // x from the left margin to the right edge, y evenly spaced in log (10 -> 1 -> 0.01 is 1 then 2 decades).
    expect(coords[0]?.[0]).toBeCloseTo(58, 0);
    expect(coords[2]?.[0]).toBeCloseTo(500 - 14, 0);
    const [y0, y1, y2] = coords.map((c) => c[1]) as [number, number, number];
    expect((y2 - y1) / (y1 - y0)).toBeCloseTo(2, 1);
    const linear = lineChart([{ label: 'val/cer', color: '#000', points: [[0, 0.5], [1, 0.2]] }], { xLabel: 'epoch', logY: false });
    expect(linear).not.toContain('log y');
  });

  it('starts error-rate axes at zero even when the data sits far above it', () => {
    const pts: Array<[number, number]> = [[1, 1.15], [2, 1.07]];
    const ticks = (svg: string) => [...svg.matchAll(/text-anchor="end"[^>]*>([^<]+)</g)].map((m) => m[1]);
    expect(ticks(lineChart([{ label: 'val/cer', color: '#000', points: pts }], { xLabel: 'epoch', zeroBased: true }))[0]).toBe('0');
    expect(ticks(lineChart([{ label: 'val/cer', color: '#000', points: pts }], { xLabel: 'epoch' }))[0]).not.toBe('0');
  });

  it('says so when there is nothing to draw', () => {
    expect(lineChart([], { xLabel: 'step' })).toContain('no data yet');
  });

  it('smooths without lag: a straight line stays straight', () => {
    const pts = Array.from({ length: 200 }, (_, i) => [i, 2 * i + 1] as [number, number]);
    const s = smooth(pts, false);
    expect(s[100]?.[1]).toBeCloseTo(201, 6);
  });

  it('formats numbers compactly', () => {
    expect(formatNumber(891234)).toBe('891k');
    expect(formatNumber(1.5e6)).toBe('1.5M');
    expect(formatNumber(0.0001)).toBe('1e-4');
    expect(formatNumber(0.25)).toBe('0.25');
    expect(formatNumber(3)).toBe('3');
  });

  it('groups metrics into loss, CER, WER, lr and the rest', () => {
    const g = chartGroups(['val/cer', 'train/loss', 'lr-Adam', 'val/loss', 'epoch', 'model/size_mb', 'val/wer', 'train/grad_norm', 'train/loss_epoch']);
    expect(g.map((x) => x.id)).toEqual(['loss', 'cer', 'wer', 'lr', 'grad_norm']);
    expect(g[0]?.keys).toEqual(['train/loss', 'train/loss_epoch', 'val/loss']);
  });
});

describe('character diff', () => {
  it('aligns substitutions, insertions and deletions', () => {
    expect(alignChars('abc', 'abc').every((o) => o.op === 'equal')).toBe(true);
    expect(alignChars('abc', 'axc').map((o) => o.op)).toEqual(['equal', 'sub', 'equal']);
    expect(alignChars('abc', 'ac').map((o) => o.op)).toEqual(['equal', 'del', 'equal']);
    expect(alignChars('ac', 'abc').map((o) => o.op)).toEqual(['equal', 'ins', 'equal']);
    const d = diffHtml('a b', 'ab');
    expect(d.ref).toBe('a<mark class="del">&#9251;</mark>b');
    expect(d.hyp).toBe('ab');
  });
});
