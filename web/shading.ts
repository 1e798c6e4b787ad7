/** Per-character confidence shading, shared by the static demo and the server's demo page. */
export interface ShadedChar {
  readonly char: string;
  readonly p: number;
}

/** Fills `out` with one span per character; lower probability = darker amber background. */
export function showShaded(out: HTMLElement, chars: readonly ShadedChar[]): void {
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
