// The drawing pad of both demo pages (web/demo.ts and serving/public/demo.js): plain
// browser JS, so the server serves it as it is; its types are in drawing_pad.d.ts.

/**
 * Lets the user write on `pad` with mouse, pen or touch (pointer events cover all three),
 * in dark round strokes on white.
 * @param {HTMLCanvasElement} pad
 * @returns {{ clear(): void, isBlank(): boolean }} `clear` paints the pad white; `isBlank`: nothing drawn since.
 */
export function drawingPad(pad) {
  const ctx = /** @type {CanvasRenderingContext2D} */ (pad.getContext('2d'));
  let drawing = false;
  let dirty = false;
  const clear = () => {
    ctx.fillStyle = '#fff';
    ctx.fillRect(0, 0, pad.width, pad.height);
    dirty = false;
  };
  clear();
  /** @param {PointerEvent} ev */
  const point = (ev) => {
    const r = pad.getBoundingClientRect();
    return { x: ((ev.clientX - r.left) * pad.width) / r.width, y: ((ev.clientY - r.top) * pad.height) / r.height };
  };
  pad.addEventListener('pointerdown', (ev) => {
    drawing = true;
    dirty = true;
    pad.setPointerCapture(ev.pointerId);
    const p = point(ev);
    ctx.beginPath();
    ctx.moveTo(p.x, p.y);
  });
  pad.addEventListener('pointermove', (ev) => {
    if (!drawing) return;
    const p = point(ev);
    Object.assign(ctx, { lineWidth: 6, lineCap: 'round', lineJoin: 'round', strokeStyle: '#111' });
    ctx.lineTo(p.x, p.y);
    ctx.stroke();
  });
  const stop = () => {
    drawing = false;
  };
  pad.addEventListener('pointerup', stop);
  pad.addEventListener('pointercancel', stop);
  return { clear, isBlank: () => !dirty };
}
