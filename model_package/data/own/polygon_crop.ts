/**
 * Line crops from page images: the polygon's bounding box (clipped to the
 * image), optionally with everything outside the polygon painted as paper so
 * neighbouring lines' ascenders and descenders do not leak in.
 */
import { cropRect } from '../../preprocess/crop.js';
import type { Gray8 } from '../../core/data_types.js';

export type Polygon = readonly (readonly [number, number])[];

/** Integer box [x0, x1) x [y0, y1) around the polygon, clipped; undefined if empty. */
export function polygonBox(polygon: Polygon, width: number, height: number): { x0: number; y0: number; x1: number; y1: number } | undefined {
  const xs = polygon.map((p) => p[0]);
  const ys = polygon.map((p) => p[1]);
  const x0 = Math.max(0, Math.floor(Math.min(...xs)));
  const y0 = Math.max(0, Math.floor(Math.min(...ys)));
  const x1 = Math.min(width, Math.ceil(Math.max(...xs)));
  const y1 = Math.min(height, Math.ceil(Math.max(...ys)));
  return x1 > x0 && y1 > y0 ? { x0, y0, x1, y1 } : undefined;
}

/** Even-odd rule point-in-polygon test. */
export function insidePolygon(x: number, y: number, polygon: Polygon): boolean {
  let inside = false;
  for (let i = 0, j = polygon.length - 1; i < polygon.length; j = i++) {
    const [xi, yi] = polygon[i] as readonly [number, number];
    const [xj, yj] = polygon[j] as readonly [number, number];
    if (yi > y !== yj > y && x < ((xj - xi) * (y - yi)) / (yj - yi) + xi) inside = !inside;
  }
  return inside;
}

/**
 * Crops `img` to the polygon's box; with `mask`, pixels whose centre lies
 * outside the polygon become `paper`. Undefined when the box is empty.
 */
export function cropPolygon(img: Gray8, polygon: Polygon, mask: boolean, paper: number): Gray8 | undefined {
  const box = polygonBox(polygon, img.width, img.height);
  if (!box) return undefined;
  const width = box.x1 - box.x0;
  const height = box.y1 - box.y0;
  const out = cropRect(img, box.x0, box.y0, width, height);
  if (!mask) return out;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      if (!insidePolygon(box.x0 + x + 0.5, box.y0 + y + 0.5, polygon)) out.data[y * width + x] = paper;
    }
  }
  return out;
}
