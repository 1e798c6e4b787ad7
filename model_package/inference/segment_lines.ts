/**
 * Paragraph mode: split a page or paragraph image into line crops with a
 * horizontal ink-projection profile. Deliberately simple (no deskew): it suits
 * scanned paragraphs with roughly horizontal, non-touching lines.
 */
import { cropRect } from '../preprocess/crop.js';

export interface Gray8 {
  readonly data: Uint8Array;
  readonly width: number;
  readonly height: number;
}

export interface SegmentOptions {
  /** Rows whose mean ink is below this fraction of the busiest row count as gaps. */
  readonly rowThreshold?: number;
  /** Bands shorter than this fraction of the median band height are fragments, merged into a neighbour. */
  readonly minBandFraction?: number;
  /** Gaps of at most this many rows inside a band are bridged (descenders, dots). */
  readonly bridgeRows?: number;
  /** Extra rows of context kept above and below each line. */
  readonly padRows?: number;
  /** Source is dark ink on light paper (scans). */
  readonly invert?: boolean;
}

export interface LineBox {
  readonly top: number;
  readonly bottom: number;
  readonly left: number;
  readonly right: number;
}

/** Line boxes, top to bottom; an image without ink yields one box covering it all. */
export function segmentLines(img: Gray8, options: SegmentOptions = {}): LineBox[] {
  const { width, height, data } = img;
  const invert = options.invert ?? true;
  const ink = (v: number): number => (invert ? 255 - v : v);
  const rowInk = new Float64Array(height);
  for (let r = 0; r < height; r++) {
    let s = 0;
    for (let c = 0; c < width; c++) s += ink(data[r * width + c] as number);
    rowInk[r] = s / width;
  }
  // A loop, not Math.max(...rowInk): spreading a million rows overflows the stack.
  let peak = 0;
  for (let r = 0; r < height; r++) if ((rowInk[r] as number) > peak) peak = rowInk[r] as number;
  if (peak <= 0) return [{ top: 0, bottom: height, left: 0, right: width }];
  const threshold = peak * (options.rowThreshold ?? 0.05);
  const bridge = options.bridgeRows ?? Math.max(2, Math.round(height * 0.01));

  // 1. Runs of inked rows, bridging short gaps.
  let bands: Array<[number, number]> = [];
  let start = -1;
  let lastInk = -1;
  for (let r = 0; r < height; r++) {
    if ((rowInk[r] as number) > threshold) {
      if (start === -1) start = r;
      else if (r - lastInk - 1 > bridge) {
        bands.push([start, lastInk + 1]);
        start = r;
      }
      lastInk = r;
    }
  }
  if (start !== -1) bands.push([start, lastInk + 1]);

  // 2. Fragments (dots, descenders cut off by a gap) join their nearest band if close; lone specks go.
  const median = medianHeight(bands);
  const minBand = median * (options.minBandFraction ?? 0.5);
  for (let changed = true; changed && bands.length > 1; ) {
    changed = false;
    const i = bands.findIndex(([a, b]) => b - a < minBand);
    if (i === -1) break;
    const [a, b] = bands[i] as [number, number];
    const gapUp = i > 0 ? a - (bands[i - 1] as [number, number])[1] : Infinity;
    const gapDown = i < bands.length - 1 ? (bands[i + 1] as [number, number])[0] - b : Infinity;
    const j = gapUp <= gapDown ? i - 1 : i + 1;
    if (Math.min(gapUp, gapDown) <= median) {
      const other = bands[j] as [number, number];
      bands[Math.min(i, j)] = [Math.min(a, other[0]), Math.max(b, other[1])];
      bands.splice(Math.max(i, j), 1);
    } else {
      bands.splice(i, 1);
    }
    changed = true;
  }
  bands = bands.filter(([a, b]) => b - a >= median * 0.25);
  const pad = options.padRows ?? Math.max(2, Math.round(median * 0.15));

  return bands.map(([a, b]) => {
    const top = Math.max(0, a - pad);
    const bottom = Math.min(height, b + pad);
    const [left, right] = inkColumns(img, top, bottom, threshold, ink);
    const colPad = pad;
    return { top, bottom, left: Math.max(0, left - colPad), right: Math.min(width, right + colPad) };
  });
}

function inkColumns(img: Gray8, top: number, bottom: number, rowThreshold: number, ink: (v: number) => number): [number, number] {
  const { width, data } = img;
  let left = width;
  let right = 0;
  // A column is ink if any pixel is clearly darker than paper; reuse the row threshold scale.
  const cut = Math.max(32, rowThreshold);
  for (let c = 0; c < width; c++) {
    for (let r = top; r < bottom; r++) {
      if (ink(data[r * width + c] as number) > cut) {
        if (c < left) left = c;
        right = c + 1;
        break;
      }
    }
  }
  return left < right ? [left, right] : [0, width];
}

function medianHeight(bands: ReadonlyArray<[number, number]>): number {
  const h = bands.map(([a, b]) => b - a).sort((x, y) => x - y);
  return h[Math.floor(h.length / 2)] ?? 0;
}

/** Copies a box out of an 8-bit gray image. */
export function cropGray(img: Gray8, box: LineBox): Gray8 {
  return cropRect(img, box.left, box.top, box.right - box.left, box.bottom - box.top);
}
