/**
 * IAM line and paragraph regions: padding line boxes without reaching into the
 * neighbouring lines, the paragraph's union box, and scaling from XML (full-size
 * scan) pixels to the pixels of the image at hand.
 */

export interface Box {
  x1: number;
  y1: number;
  x2: number;
  y2: number;
}

export interface LineBoxOptions {
  /** Pixels (XML scale) added around each line, limited by half the gap to its neighbours. */
  linePadding: number;
  /** A line's bottom is clamped to top + this (XML scale), so a crop never spans two lines. */
  maxLineHeight: number;
}

/**
 * Clamps each line's bottom to top + maxLineHeight, then pads by `linePadding`
 * except that vertical padding never exceeds half the gap to the neighbouring line
 * (overlapping lines get none on that side).
 */
export function padLineBoxes(boxes: readonly Box[], opts: LineBoxOptions): Box[] {
  const p = opts.linePadding;
  const clamped = boxes.map((b) => ({ ...b, y2: Math.min(b.y2, b.y1 + opts.maxLineHeight) }));
  return clamped.map((b, i) => {
    const prev = clamped[i - 1];
    const next = clamped[i + 1];
    const gapAbove = prev ? Math.max(b.y1 - prev.y2, 0) : 2 * p;
    const gapBelow = next ? Math.max(next.y1 - b.y2, 0) : 2 * p;
    return {
      x1: b.x1 - p,
      x2: b.x2 + p,
      y1: b.y1 - Math.min(p, Math.floor(gapAbove / 2)),
      y2: b.y2 + Math.min(p, Math.floor(gapBelow / 2)),
    };
  });
}

/** Union of line boxes: the paragraph region. */
export function paragraphBox(lines: readonly { readonly box: Box }[]): Box {
  return lines.reduce<Box>(
    (acc, l) => ({ x1: Math.min(acc.x1, l.box.x1), y1: Math.min(acc.y1, l.box.y1), x2: Math.max(acc.x2, l.box.x2), y2: Math.max(acc.y2, l.box.y2) }),
    { x1: Infinity, y1: Infinity, x2: -Infinity, y2: -Infinity },
  );
}

/** XML-pixel box -> integer image-pixel box inside a width x height image. */
export function scaleBox(box: Box, downsample: number, width: number, height: number): Box {
  const x1 = Math.max(0, Math.min(width - 1, Math.floor(box.x1 / downsample)));
  const y1 = Math.max(0, Math.min(height - 1, Math.floor(box.y1 / downsample)));
  return {
    x1,
    y1,
    x2: Math.max(x1 + 1, Math.min(width, Math.ceil(box.x2 / downsample))),
    y2: Math.max(y1 + 1, Math.min(height, Math.ceil(box.y2 / downsample))),
  };
}
