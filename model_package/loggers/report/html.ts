/** HTML helpers for the report: escaping and character-level diff marking. */

export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] as string);
}

export type EditOp = 'equal' | 'sub' | 'ins' | 'del';

/**
 * Minimal edit script turning `ref` into `hyp` (code points). `ins` = extra
 * character in hyp, `del` = character of ref that hyp lacks.
 */
export function alignChars(ref: string, hyp: string): Array<{ op: EditOp; ref?: string; hyp?: string }> {
  const a = Array.from(ref);
  const b = Array.from(hyp);
  const n = a.length;
  const m = b.length;
  const d: Int32Array[] = Array.from({ length: n + 1 }, () => new Int32Array(m + 1));
  for (let i = 0; i <= n; i++) (d[i] as Int32Array)[0] = i;
  for (let j = 0; j <= m; j++) (d[0] as Int32Array)[j] = j;
  for (let i = 1; i <= n; i++) {
    const row = d[i] as Int32Array;
    const prev = d[i - 1] as Int32Array;
    for (let j = 1; j <= m; j++) {
      row[j] = Math.min((prev[j - 1] as number) + (a[i - 1] === b[j - 1] ? 0 : 1), (prev[j] as number) + 1, (row[j - 1] as number) + 1);
    }
  }
  const ops: Array<{ op: EditOp; ref?: string; hyp?: string }> = [];
  let i = n;
  let j = m;
  while (i > 0 || j > 0) {
    const cur = (d[i] as Int32Array)[j] as number;
    if (i > 0 && j > 0 && (d[i - 1] as Int32Array)[j - 1] === cur - (a[i - 1] === b[j - 1] ? 0 : 1)) {
      ops.push({ op: a[i - 1] === b[j - 1] ? 'equal' : 'sub', ref: a[i - 1], hyp: b[j - 1] });
      i--;
      j--;
    } else if (i > 0 && (d[i - 1] as Int32Array)[j] === cur - 1) {
      ops.push({ op: 'del', ref: a[i - 1] });
      i--;
    } else {
      ops.push({ op: 'ins', hyp: b[j - 1] });
      j--;
    }
  }
  return ops.reverse();
}

/** Ground truth and prediction as HTML with wrong characters marked (<mark>). */
export function diffHtml(ref: string, hyp: string): { ref: string; hyp: string } {
  let r = '';
  let h = '';
  for (const o of alignChars(ref, hyp)) {
    if (o.op === 'equal') {
      r += escapeHtml(o.ref as string);
      h += escapeHtml(o.hyp as string);
    } else {
      if (o.ref !== undefined) r += `<mark class="${o.op}">${visible(o.ref)}</mark>`;
      if (o.hyp !== undefined) h += `<mark class="${o.op}">${visible(o.hyp)}</mark>`;
    }
  }
  return { ref: r, hyp: h };
}

/** Spaces and newlines would be invisible when marked. */
function visible(ch: string): string {
  return ch === ' ' ? '&#9251;' : ch === '\n' ? '&#8629;' : escapeHtml(ch);
}
