/**
 * Paragraph mode: split a page or paragraph image into line crops.
 *
 * 1. Ink is what is darker than Otsu's threshold; columns inked over most of
 *    the height (a margin rule, a scan edge) are dropped.
 * 2. Skew: the ink is sheared at angles up to ±MAX_SKEW_DEG and the angle whose
 *    row profile is sharpest (largest sum of squares) wins.
 * 3. Lines are the peaks of the smoothed profile, at least ~0.6 line pitch apart
 *    (the pitch comes from the profile's autocorrelation); neighbours are cut
 *    at the emptiest row between their peaks. So touching lines (a descender
 *    reaching the next line's ascenders) still split, where a gap-based cut
 *    would merge them.
 * 4. Each line is trimmed to its ink, padded, and, when skewed, cut out as a
 *    straightened strip (`cropLine`) so neighbours do not leak into it.
 */
import { cropRect } from '../preprocess/crop.js';

export interface Gray8 {
  readonly data: Uint8Array;
  readonly width: number;
  readonly height: number;
}

export interface SegmentOptions {
  /** Peaks of the smoothed row profile below this fraction of the highest are not lines. */
  readonly rowThreshold?: number;
  /** Extra rows of context kept above and below each line. */
  readonly padRows?: number;
  /** Source is dark ink on light paper (scans). */
  readonly invert?: boolean;
  /** Largest skew searched, in degrees (0 turns deskewing off). */
  readonly maxSkewDeg?: number;
}

export interface LineBox {
  readonly top: number;
  readonly bottom: number;
  readonly left: number;
  readonly right: number;
  /** Skewed lines: rows the baseline drops per column to the right (negative: it rises). */
  readonly slope?: number;
  /** Skewed lines: the line's outline, a parallelogram of [x, y] points clockwise from top-left. */
  readonly polygon?: ReadonlyArray<readonly [number, number]>;
}

export const MAX_SKEW_DEG = 6;
const SKEW_STEP_DEG = 0.25;

/** Otsu's threshold of an 8-bit histogram; -1 when the image has no contrast to split. */
function otsu(data: Uint8Array, invert: boolean): number {
  const hist = new Float64Array(256);
  for (const v of data) hist[invert ? v : 255 - v]! += 1;
  let lo = 0;
  let hi = 255;
  while (lo < 255 && hist[lo] === 0) lo++;
  while (hi > 0 && hist[hi] === 0) hi--;
  if (hi - lo < 48) return -1;
  const total = data.length;
  let sumAll = 0;
  for (let i = 0; i < 256; i++) sumAll += i * (hist[i] as number);
  let wB = 0;
  let sumB = 0;
  let best = -1;
  let bestVar = -1;
  for (let t = 0; t < 256; t++) {
    wB += hist[t] as number;
    if (wB === 0) continue;
    const wF = total - wB;
    if (wF === 0) break;
    sumB += t * (hist[t] as number);
    const mB = sumB / wB;
    const mF = (sumAll - sumB) / wF;
    const v = wB * wF * (mB - mF) * (mB - mF);
    if (v > bestVar) {
      bestVar = v;
      best = t;
    }
  }
  return best;
}

/** Ink pixels as [x, y] pairs (flat), without rule-like columns. */
function inkPixels(img: Gray8, invert: boolean): Int32Array {
  const { width, height, data } = img;
  const t = otsu(data, invert);
  if (t < 0) return new Int32Array(0);
  const isInk = (v: number): boolean => (invert ? v : 255 - v) <= t;
  const colCount = new Int32Array(width);
  let n = 0;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      if (isInk(data[y * width + x] as number)) {
        colCount[x]!++;
        n++;
      }
    }
  }
  const rule = (x: number): boolean => height >= 40 && (colCount[x] as number) > height * 0.5;
  const at = (x: number, y: number): boolean => x >= 0 && y >= 0 && x < width && y < height && !rule(x) && isInk(data[y * width + x] as number);
  // A pixel with no inked neighbour is a speck of dust, not writing.
  const alone = (x: number, y: number): boolean => !(at(x - 1, y - 1) || at(x, y - 1) || at(x + 1, y - 1) || at(x - 1, y) || at(x + 1, y) || at(x - 1, y + 1) || at(x, y + 1) || at(x + 1, y + 1));
  const out: number[] = [];
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) if (at(x, y) && !alone(x, y)) out.push(x, y);
  }
  return n ? Int32Array.from(out) : new Int32Array(0);
}

interface Profile {
  readonly counts: Float64Array;
  /** Index of sheared row 0 in `counts`. */
  readonly offset: number;
}

function shearedProfile(ink: Int32Array, width: number, height: number, slope: number): Profile {
  const cx = width / 2;
  const offset = Math.ceil(Math.abs(slope) * cx) + 1;
  const counts = new Float64Array(height + 2 * offset);
  for (let i = 0; i < ink.length; i += 2) {
    const u = Math.round((ink[i + 1] as number) + ((ink[i] as number) - cx) * slope);
    counts[u + offset]! += 1;
  }
  return { counts, offset };
}

/** The sheared angle (degrees) with the sharpest profile: 1° steps, then SKEW_STEP_DEG around the best. */
function bestSlope(ink: Int32Array, width: number, height: number, maxDeg: number): number {
  const score = (deg: number): number => {
    const { counts } = shearedProfile(ink, width, height, Math.tan((deg * Math.PI) / 180));
    let s = 0;
    for (const c of counts) s += c * c;
    return s;
  };
  let best = 0;
  let bestScore = score(0);
  const consider = (deg: number): void => {
    const v = score(deg);
    // Straight wins near-ties: skew must sharpen the profile noticeably.
    if (v > bestScore * 1.01) {
      best = deg;
      bestScore = v;
    }
  };
  for (let deg = 1; deg <= maxDeg; deg++) {
    consider(deg);
    consider(-deg);
  }
  const coarse = best;
  for (let d = -1 + SKEW_STEP_DEG; d < 1; d += SKEW_STEP_DEG) if (d !== 0 && Math.abs(coarse + d) <= maxDeg) consider(coarse + d);
  return Math.tan((best * Math.PI) / 180);
}

function smooth(p: Float64Array, radius: number): Float64Array {
  const out = new Float64Array(p.length);
  let acc = 0;
  for (let i = 0; i < p.length + radius; i++) {
    if (i < p.length) acc += p[i] as number;
    if (i - 2 * radius - 1 >= 0) acc -= p[i - 2 * radius - 1] as number;
    const c = i - radius;
    if (c >= 0 && c < p.length) out[c] = acc / (2 * radius + 1);
  }
  return out;
}

/** Line pitch in rows: the first strong peak of the profile's autocorrelation (0 if none). */
function linePitch(p: Float64Array): number {
  const n = p.length;
  let mean = 0;
  for (const v of p) mean += v;
  mean /= n;
  const d = Float64Array.from(p, (v) => v - mean);
  const ac = (lag: number): number => {
    let s = 0;
    for (let i = 0; i + lag < n; i++) s += (d[i] as number) * (d[i + lag] as number);
    return s;
  };
  const zero = ac(0);
  if (zero <= 0) return 0;
  let prev = ac(4);
  let rising = false;
  // Up to n - 4: two lines alone are a pitch apart that can exceed half the image.
  for (let lag = 5; lag < n - 4; lag++) {
    const cur = ac(lag);
    if (cur > prev) rising = true;
    else if (rising && prev > 0.2 * zero) return lag - 1;
    prev = cur;
  }
  return 0;
}

/** Without a periodic profile (one line, or lines at uneven gaps): twice the median height of the inked runs. */
function runPitch(counts: Float64Array): number {
  let max = 0;
  for (const v of counts) max = Math.max(max, v);
  const runs: number[] = [];
  let start = -1;
  counts.forEach((v, i) => {
    if (v > max * 0.25 && start < 0) start = i;
    if ((v <= max * 0.25 || i === counts.length - 1) && start >= 0) {
      runs.push(i - start);
      start = -1;
    }
  });
  runs.sort((a, b) => a - b);
  return Math.max(8, 2 * (runs[Math.floor(runs.length / 2)] ?? counts.length));
}

/** [start, end) row ranges of the lines in the sheared profile, top to bottom. */
function lineRanges(counts: Float64Array, threshold: number): Array<[number, number]> {
  const pitch = linePitch(smooth(counts, 2)) || runPitch(counts);
  const s = smooth(counts, Math.max(1, Math.round(pitch / 8)));
  let max = 0;
  for (const v of s) max = Math.max(max, v);
  if (max <= 0) return [];
  const minDist = Math.max(4, Math.round(pitch * 0.6));
  const candidates: number[] = [];
  for (let i = 0; i < s.length; i++) {
    const v = s[i] as number;
    if (v >= max * threshold && (i === 0 || v >= (s[i - 1] as number)) && (i === s.length - 1 || v > (s[i + 1] as number))) candidates.push(i);
  }
  const peaks: number[] = [];
  for (const c of [...candidates].sort((a, b) => (s[b] as number) - (s[a] as number))) {
    if (peaks.every((p) => Math.abs(p - c) >= minDist)) peaks.push(c);
  }
  peaks.sort((a, b) => a - b);
  // Neighbours without a real valley between them are one line.
  const kept: number[] = [];
  for (const p of peaks) {
    const last = kept[kept.length - 1];
    if (last !== undefined) {
      let valley = Infinity;
      for (let i = last; i <= p; i++) valley = Math.min(valley, s[i] as number);
      if (valley > 0.7 * Math.min(s[last] as number, s[p] as number)) {
        if ((s[p] as number) > (s[last] as number)) kept[kept.length - 1] = p;
        continue;
      }
    }
    kept.push(p);
  }
  // Cut at the emptiest row between peaks (the middle of an empty run).
  const cuts: number[] = [0];
  for (let k = 1; k < kept.length; k++) {
    const a = kept[k - 1] as number;
    const b = kept[k] as number;
    let min = Infinity;
    let first = a;
    let last = a;
    for (let i = a; i <= b; i++) {
      const v = s[i] as number;
      if (v < min) {
        min = v;
        first = i;
        last = i;
      } else if (v === min && last === i - 1) {
        last = i;
      }
    }
    cuts.push(Math.round((first + last) / 2));
  }
  cuts.push(counts.length);
  return kept.map((_, k) => [cuts[k] as number, cuts[k + 1] as number]);
}

/** Line boxes, top to bottom; an image without ink yields one box covering it all. */
export function segmentLines(img: Gray8, options: SegmentOptions = {}): LineBox[] {
  const { width, height } = img;
  const whole: LineBox[] = [{ top: 0, bottom: height, left: 0, right: width }];
  const ink = inkPixels(img, options.invert ?? true);
  if (!ink.length) return whole;
  const slope = (options.maxSkewDeg ?? MAX_SKEW_DEG) > 0 ? bestSlope(ink, width, height, options.maxSkewDeg ?? MAX_SKEW_DEG) : 0;
  const { counts, offset } = shearedProfile(ink, width, height, slope);
  const ranges = lineRanges(counts, options.rowThreshold ?? 0.08);

  // Each pixel goes to its line; the line's extent is that of its ink.
  const cx = width / 2;
  const ext = ranges.map(() => ({ u0: Infinity, u1: -Infinity, left: Infinity, right: -Infinity, n: 0, cols: new Int32Array(width) }));
  const lineOf = new Int32Array(counts.length).fill(-1);
  ranges.forEach(([a, b], k) => lineOf.fill(k, a, b));
  for (let i = 0; i < ink.length; i += 2) {
    const x = ink[i] as number;
    const u = Math.round((ink[i + 1] as number) + (x - cx) * slope) + offset;
    const e = ext[lineOf[u] as number];
    if (!e) continue;
    e.n++;
    e.u0 = Math.min(e.u0, u);
    e.u1 = Math.max(e.u1, u + 1);
    e.cols[x]!++;
  }
  // Left and right edges leave out the outermost 0.5% of a line's ink (stray marks in the margins).
  for (const e of ext) {
    const cut = e.n * 0.005;
    let acc = 0;
    for (let x = 0; x < width; x++) if ((acc += e.cols[x] as number) > cut) { e.left = x; break; }
    acc = 0;
    for (let x = width - 1; x >= 0; x--) if ((acc += e.cols[x] as number) > cut) { e.right = x + 1; break; }
  }
  const meanInk = ext.reduce((s, e) => s + e.n, 0) / Math.max(1, ext.length);
  const lines = ext.filter((e) => e.n > 0 && e.n >= meanInk * 0.02);
  if (!lines.length) return whole;
  const heights = lines.map((e) => e.u1 - e.u0).sort((a, b) => a - b);
  const pad = options.padRows ?? Math.max(2, Math.round((heights[Math.floor(heights.length / 2)] as number) * 0.1));
  return lines.map((e) => {
    const left = Math.max(0, e.left - pad);
    const right = Math.min(width, e.right + pad);
    const u0 = e.u0 - offset - pad;
    const u1 = e.u1 - offset + pad;
    if (slope === 0) return { top: Math.max(0, u0), bottom: Math.min(height, u1), left, right };
    const yAt = (u: number, x: number): number => u - (x - cx) * slope;
    const ys = [yAt(u0, left), yAt(u0, right), yAt(u1, left), yAt(u1, right)];
    return {
      top: Math.max(0, Math.floor(Math.min(...ys))),
      bottom: Math.min(height, Math.ceil(Math.max(...ys))),
      left,
      right,
      slope: -slope,
      polygon: [
        [left, Math.round(yAt(u0, left))],
        [right, Math.round(yAt(u0, right))],
        [right, Math.round(yAt(u1, right))],
        [left, Math.round(yAt(u1, left))],
      ],
    };
  });
}

/** Copies a box out of an 8-bit gray image. */
export function cropGray(img: Gray8, box: LineBox): Gray8 {
  return cropRect(img, box.left, box.top, box.right - box.left, box.bottom - box.top);
}

/** A line's pixels: its box, or for a skewed line the straightened strip along its polygon (paper white outside the page). */
export function cropLine(img: Gray8, box: LineBox): Gray8 {
  const poly = box.polygon;
  if (!box.slope || !poly || poly.length !== 4) return cropGray(img, box);
  const [tl, , , bl] = poly as ReadonlyArray<readonly [number, number]>;
  const w = box.right - box.left;
  const h = Math.max(1, (bl as readonly [number, number])[1] - (tl as readonly [number, number])[1]);
  const data = new Uint8Array(w * h).fill(255);
  for (let x = 0; x < w; x++) {
    const top = (tl as readonly [number, number])[1] + x * box.slope;
    for (let y = 0; y < h; y++) {
      const sy = Math.round(top + y);
      if (sy >= 0 && sy < img.height) data[y * w + x] = img.data[sy * img.width + box.left + x] as number;
    }
  }
  return { data, width: w, height: h };
}
