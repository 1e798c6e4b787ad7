/**
 * A small, dependency-free SVG line chart: axes with round-number ticks, optional
 * log y, EMA smoothing for noisy series, native <title> tooltips. The output is a
 * string that works inside any HTML page offline.
 */
import { escapeHtml } from './html.js';

export interface ChartSeries {
  readonly label: string;
  readonly color: string;
  /** SVG stroke-dasharray, e.g. "6 4" for validation in run comparisons. */
  readonly dash?: string;
  /** [x, y] in x order. */
  readonly points: ReadonlyArray<readonly [number, number]>;
}

export interface ChartOptions {
  readonly xLabel: string;
  /** 'auto': log scale when every value is positive and they span more than 30x. */
  readonly logY?: boolean | 'auto';
  readonly width?: number;
  readonly height?: number;
  /** Always include y = 0 (error rates read best from zero). */
  readonly zeroBased?: boolean;
  /** Smooth series with more points than this (raw line stays, faint). */
  readonly smoothAbove?: number;
  /** Which series are noisy enough to smooth (default: all). */
  readonly smoothSeries?: (label: string) => boolean;
}

const M = { left: 58, right: 14, top: 10, bottom: 38 };
const MAX_DRAWN = 1200;
const MARKERS_UP_TO = 60;

export function lineChart(series: readonly ChartSeries[], opts: ChartOptions): string {
  const W = opts.width ?? 560;
  const H = opts.height ?? 280;
  const drawn = series.filter((s) => s.points.length > 0);
  const all = drawn.flatMap((s) => s.points);
  if (all.length === 0) {
    return `<svg class="chart-svg" viewBox="0 0 ${W} ${H}" role="img"><text x="${W / 2}" y="${H / 2}" text-anchor="middle" fill="#8a8f98" font-size="13">no data yet</text></svg>`;
  }
  const ys = all.map((p) => p[1]);
  const xs = all.map((p) => p[0]);
  const yMinRaw = Math.min(...ys);
  const yMaxRaw = Math.max(...ys);
  const logY = opts.logY === true || (opts.logY === 'auto' && yMinRaw > 0 && yMaxRaw / yMinRaw > 30);
  const xScale = linearScale(Math.min(...xs), Math.max(...xs), 6, false);
  const yScale = logY ? logScale(yMinRaw, yMaxRaw) : linearScale(opts.zeroBased ? Math.min(0, yMinRaw) : yMinRaw, yMaxRaw, 5, true);
  const pw = W - M.left - M.right;
  const ph = H - M.top - M.bottom;
  const px = (x: number) => M.left + ((x - xScale.lo) / (xScale.hi - xScale.lo || 1)) * pw;
  const py = (y: number) => M.top + ph - ((yScale.map(y) - yScale.map(yScale.lo)) / (yScale.map(yScale.hi) - yScale.map(yScale.lo) || 1)) * ph;

  const parts: string[] = [];
  parts.push(`<svg class="chart-svg" viewBox="0 0 ${W} ${H}" role="img" font-family="system-ui, -apple-system, 'Segoe UI', sans-serif">`);
  // Grid and tick labels.
  for (const t of yScale.ticks) {
    const y = py(t).toFixed(1);
    parts.push(`<line x1="${M.left}" x2="${W - M.right}" y1="${y}" y2="${y}" stroke="#e6e8eb" stroke-width="1"/>`);
    parts.push(`<text x="${M.left - 6}" y="${y}" dy="0.32em" text-anchor="end" font-size="11" fill="#5f6670">${formatNumber(t)}</text>`);
  }
  for (const t of xScale.ticks) {
    const x = px(t).toFixed(1);
    parts.push(`<line x1="${x}" x2="${x}" y1="${M.top}" y2="${M.top + ph}" stroke="#f0f1f3" stroke-width="1"/>`);
    parts.push(`<text x="${x}" y="${M.top + ph + 16}" text-anchor="middle" font-size="11" fill="#5f6670">${formatNumber(t)}</text>`);
  }
  parts.push(`<rect x="${M.left}" y="${M.top}" width="${pw}" height="${ph}" fill="none" stroke="#c9cdd3" stroke-width="1"/>`);
  parts.push(`<text x="${M.left + pw / 2}" y="${H - 4}" text-anchor="middle" font-size="11.5" fill="#3c4149">${escapeHtml(opts.xLabel)}${logY ? ' · log y' : ''}</text>`);

  for (const s of drawn) {
    const pts = downsample(s.points);
    const dash = s.dash ? ` stroke-dasharray="${s.dash}"` : '';
    const smoothed = opts.smoothAbove !== undefined && pts.length > opts.smoothAbove && (opts.smoothSeries?.(s.label) ?? true);
    if (pts.length === 1) {
      const [x, y] = pts[0] as readonly [number, number];
      parts.push(`<circle cx="${px(x).toFixed(1)}" cy="${py(y).toFixed(1)}" r="3.5" fill="${s.color}"><title>${escapeHtml(s.label)}: ${formatNumber(y, 4)} at ${formatNumber(x, 4)}</title></circle>`);
      continue;
    }
    const d = pathData(pts, px, py);
    if (smoothed) {
      parts.push(`<path d="${d}" fill="none" stroke="${s.color}" stroke-opacity="0.25" stroke-width="1"${dash}/>`);
      parts.push(`<path class="series" data-label="${escapeHtml(s.label)}" d="${pathData(smooth(pts, logY), px, py)}" fill="none" stroke="${s.color}" stroke-width="2"${dash} stroke-linejoin="round"/>`);
    } else {
      parts.push(`<path class="series" data-label="${escapeHtml(s.label)}" d="${d}" fill="none" stroke="${s.color}" stroke-width="2"${dash} stroke-linejoin="round"/>`);
    }
    if (pts.length <= MARKERS_UP_TO) {
      for (const [x, y] of pts) {
        parts.push(`<circle cx="${px(x).toFixed(1)}" cy="${py(y).toFixed(1)}" r="2.6" fill="#fff" stroke="${s.color}" stroke-width="1.6"><title>${escapeHtml(s.label)}: ${formatNumber(y, 4)} at ${formatNumber(x, 4)}</title></circle>`);
      }
    }
  }
  parts.push('</svg>');
  return parts.join('');
}

function pathData(pts: ReadonlyArray<readonly [number, number]>, px: (x: number) => number, py: (y: number) => number): string {
  return pts.map(([x, y], i) => `${i === 0 ? 'M' : 'L'}${px(x).toFixed(1)},${py(y).toFixed(1)}`).join('');
}

/**
 * Centred moving mean (in log space for log charts): unlike an EMA it does not lag
 * behind a falling loss. The window grows with the series so long runs stay readable.
 */
export function smooth(pts: ReadonlyArray<readonly [number, number]>, inLog: boolean): Array<[number, number]> {
  const half = Math.max(1, Math.round(pts.length / 50));
  const v = pts.map(([, y]) => (inLog ? Math.log(y) : y));
  const prefix = new Float64Array(v.length + 1);
  v.forEach((y, i) => (prefix[i + 1] = (prefix[i] as number) + y));
  return pts.map(([x], i) => {
    const lo = Math.max(0, i - half);
    const hi = Math.min(v.length, i + half + 1);
    const m = ((prefix[hi] as number) - (prefix[lo] as number)) / (hi - lo);
    return [x, inLog ? Math.exp(m) : m];
  });
}

/** Keeps the first, last, and each bucket's min and max so spikes stay visible. */
function downsample(pts: ReadonlyArray<readonly [number, number]>): ReadonlyArray<readonly [number, number]> {
  if (pts.length <= MAX_DRAWN) return pts;
  const buckets = MAX_DRAWN / 2;
  const size = pts.length / buckets;
  const out: Array<readonly [number, number]> = [];
  for (let b = 0; b < buckets; b++) {
    const slice = pts.slice(Math.floor(b * size), Math.floor((b + 1) * size));
    if (slice.length === 0) continue;
    let lo = slice[0] as readonly [number, number];
    let hi = lo;
    for (const p of slice) {
      if (p[1] < lo[1]) lo = p;
      if (p[1] > hi[1]) hi = p;
    }
    out.push(...(lo[0] <= hi[0] ? [lo, hi] : [hi, lo]));
  }
  const last = pts[pts.length - 1] as readonly [number, number];
  if (out[out.length - 1] !== last) out.push(last);
  return out;
}

interface Scale {
  lo: number;
  hi: number;
  ticks: number[];
  map(v: number): number;
}

/** Round-number ticks ("nice numbers") covering [min, max]. */
export function linearScale(min: number, max: number, count: number, padZero: boolean): Scale {
  let lo = min;
  let hi = max;
  if (lo === hi) {
    const pad = Math.abs(lo) > 0 ? Math.abs(lo) * 0.1 : 1;
    lo -= pad;
    hi += pad;
  }
  // Metrics like CER and loss read best from zero when the data sits near it.
  if (padZero && lo > 0 && lo < (hi - lo) * 0.5) lo = 0;
  const step = niceStep((hi - lo) / count);
  // The epsilon keeps 0.0009 / 0.00005 = 17.999... from adding a tick below the data.
  const start = Math.floor(lo / step + 1e-9) * step;
  const end = Math.ceil(hi / step - 1e-9) * step;
  const ticks: number[] = [];
  for (let v = start; v <= end + step * 1e-9; v += step) ticks.push(Number(v.toPrecision(12)));
  return { lo: start, hi: end, ticks, map: (v) => v };
}

function niceStep(raw: number): number {
  const mag = 10 ** Math.floor(Math.log10(raw));
  const f = raw / mag;
  return (f <= 1 ? 1 : f <= 2 ? 2 : f <= 2.5 ? 2.5 : f <= 5 ? 5 : 10) * mag;
}

function logScale(min: number, max: number): Scale {
  const lo = 10 ** Math.floor(Math.log10(min));
  const hi = 10 ** Math.ceil(Math.log10(max));
  const decades = Math.round(Math.log10(hi / lo));
  const ticks: number[] = [];
  for (let e = Math.log10(lo); e <= Math.log10(hi) + 1e-9; e++) {
    const base = 10 ** e;
    ticks.push(Number(base.toPrecision(6)));
    // Few decades: add 2x and 5x ticks so the axis is readable.
    if (decades <= 2 && e < Math.log10(hi) - 1e-9) ticks.push(Number((2 * base).toPrecision(6)), Number((5 * base).toPrecision(6)));
  }
  return { lo, hi, ticks, map: (v) => Math.log10(v) };
}

/** Compact human-readable numbers: 1.2k, 0.034, 3e-4. */
export function formatNumber(v: number, digits = 3): string {
  if (!Number.isFinite(v)) return String(v);
  if (v === 0) return '0';
  const a = Math.abs(v);
  if (a >= 1e6) return `${trim((v / 1e6).toPrecision(digits))}M`;
  if (a >= 1e4) return `${trim((v / 1e3).toPrecision(digits))}k`;
  if (a < 1e-3) return v.toExponential(Math.max(0, digits - 2)).replace('e-', 'e-').replace(/\.?0+e/, 'e');
  if (Number.isInteger(v)) return String(v);
  return trim(v.toPrecision(digits));
}

function trim(s: string): string {
  return s.includes('.') && !s.includes('e') ? s.replace(/\.?0+$/, '') : s;
}
