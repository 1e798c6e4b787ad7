/**
 * Index bookkeeping shared by the conv gradient kernels: rewrite "a stride-1 conv that
 * must produce `outLen` outputs, reading input position t + m*dilation - padBefore"
 * as (slice of the input) + (non-negative explicit padding), because XNNPACK takes
 * neither negative padding nor out-of-range reads.
 */
export interface AxisPlan {
  /** First input index kept. */
  readonly start: number;
  /** Input elements kept. */
  readonly len: number;
  readonly padBefore: number;
  readonly padAfter: number;
}

/** null when every tap falls into padding (the result is all zeros). */
export function axisPlan(inLen: number, outLen: number, k: number, dilation: number, padBefore: number): AxisPlan | null {
  let start = 0;
  let before = padBefore;
  if (before < 0) {
    start = -before;
    before = 0;
  }
  const span = outLen - 1 + (k - 1) * dilation + 1;
  let len = inLen - start;
  let after = span - before - len;
  if (after < 0) {
    len += after;
    after = 0;
  }
  if (len <= 0) return null;
  return { start, len, padBefore: before, padAfter: after };
}

export type PadSpec = 'same' | 'valid' | number | number[][];
