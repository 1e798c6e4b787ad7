// Per-character confidence shading, shared by the static demo (web/demo.ts) and the
// server's demo page (serving/public/demo.js). Plain browser JS, so the server serves
// it as it is; its types are in shading.d.ts.

/**
 * Fills `out` with one span per character; lower probability = darker amber background.
 * @param {HTMLElement} out
 * @param {ReadonlyArray<{ readonly char: string, readonly p: number }>} chars
 */
export function showShaded(out, chars) {
  out.textContent = '';
  for (const { char, p } of chars) {
    const span = document.createElement('span');
    span.textContent = char;
    const alpha = Math.max(0, Math.min(1, 1 - p)) * 0.8;
    span.style.backgroundColor = `rgba(255, 140, 0, ${alpha.toFixed(3)})`;
    span.title = `${JSON.stringify(char)} p=${p.toFixed(3)}`;
    out.appendChild(span);
  }
}
