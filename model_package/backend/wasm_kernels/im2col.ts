/**
 * im2col for NHWC convolutions on wasm, kept at rank <= 4: each filter tap (a, b) is a
 * slice of the padded input, subsampled by the stride with a reshape + slice (no
 * strided gather), and the taps are concatenated along channels:
 *   cols[n, i, j, (a*kw + b)*C + c] = xPadded[n, i*sh + a, j*sw + b, c].
 */
import * as tf from '@tensorflow/tfjs-core';

export interface Im2colGeometry {
  readonly kh: number;
  readonly kw: number;
  readonly sh: number;
  readonly sw: number;
  readonly outH: number;
  readonly outW: number;
  readonly padTop: number;
  readonly padLeft: number;
}

/**
 * The input cropped and zero-padded so that tap (a, b) of output (i, j) reads
 * xp[n, a + sh*i, b + sw*j, c]: rows [0, kh - 1 + sh*outH) exist for every tap.
 * `multipleOfStride` also rounds the height and width up to multiples of the
 * strides, so that the input splits into stride phases.
 */
export function padForTaps(x: tf.Tensor4D, g: Im2colGeometry, multipleOfStride = false): tf.Tensor4D {
  let [n, h, w, c] = x.shape;
  let src: tf.Tensor4D = x;
  // A negative pad means the first rows/columns are never read: crop them.
  if (g.padTop < 0 || g.padLeft < 0) {
    const r0 = Math.max(0, -g.padTop);
    const c0 = Math.max(0, -g.padLeft);
    h -= r0;
    w -= c0;
    src = tf.slice(x, [0, r0, c0, 0], [n, h, w, c]);
  }
  const padTop = Math.max(0, g.padTop);
  const padLeft = Math.max(0, g.padLeft);
  let needH = g.kh - 1 + g.sh * g.outH;
  let needW = g.kw - 1 + g.sw * g.outW;
  if (multipleOfStride) {
    needH = g.sh * Math.ceil(needH / g.sh);
    needW = g.sw * Math.ceil(needW / g.sw);
    // Rows past needH are never read: crop them so the phases split evenly.
    const keepH = Math.min(h, needH - padTop);
    const keepW = Math.min(w, needW - padLeft);
    if (keepH < h || keepW < w) {
      src = tf.slice(src, [0, 0, 0, 0], [n, keepH, keepW, c]);
      h = keepH;
      w = keepW;
    }
  }
  const padBottom = Math.max(0, needH - padTop - h);
  const padRight = Math.max(0, needW - padLeft - w);
  if (!padTop && !padLeft && !padBottom && !padRight) return src;
  return tf.pad(src, [[0, 0], [padTop, padBottom], [padLeft, padRight], [0, 0]]);
}

/** [N, outH, outW, kh*kw*C]. */
export function im2col(x: tf.Tensor4D, g: Im2colGeometry): tf.Tensor4D {
  const [n, , , c] = x.shape;
  const xp = padForTaps(x, g);
  const taps: tf.Tensor4D[] = [];
  for (let a = 0; a < g.kh; a++) {
    for (let b = 0; b < g.kw; b++) {
      let t = tf.slice(xp, [0, a, b, 0], [n, g.sh * g.outH, g.sw * g.outW, c]);
      if (g.sh > 1 || g.sw > 1) {
        // [n*outH, sh, outW, sw*c]: row phase 0 and the first c of every sw*c group.
        t = tf.reshape(t, [n * g.outH, g.sh, g.outW, g.sw * c]);
        t = tf.slice(t, [0, 0, 0, 0], [n * g.outH, 1, g.outW, c]);
        t = tf.reshape(t, [n, g.outH, g.outW, c]);
      }
      taps.push(t);
    }
  }
  return taps.length === 1 ? taps[0]! : tf.concat(taps, 3);
}

/**
 * The patches channel-major, one row per (channel, tap), one column per output position:
 *   cols[(c*kh + a)*kw + b, (n*outH + i)*outW + j] = xPadded[n, i*sh + a, j*sw + b, c],
 * i.e. [C*kh*kw, N*outH*outW], the left operand of the filter gradient's GEMM
 * (dW = cols @ dy). The input is split once into its stride phases, each transposed to
 * [C, N, H/sh, W/sw]; every tap is then a plain slice of one phase, whose rows are
 * contiguous runs of outW floats (a strided gather per tap was 10x slower).
 */
export function im2colChannelMajor(x: tf.Tensor4D, g: Im2colGeometry): tf.Tensor2D {
  const [n, , , c] = x.shape;
  const xp = padForTaps(x, g, true);
  const [, hp, wp] = xp.shape;
  const hs = hp / g.sh;
  const ws = wp / g.sw;
  const phases = new Map<number, tf.Tensor4D>();
  const phase = (u: number, v: number): tf.Tensor4D => {
    const key = u * g.sw + v;
    let t = phases.get(key);
    if (!t) {
      let p: tf.Tensor4D = xp;
      if (g.sh > 1 || g.sw > 1) {
        // [n*hs, sh, ws, sw*c]: row phase u and channels [v*c, (v+1)*c) of every sw*c group.
        p = tf.reshape(xp, [n * hs, g.sh, ws, g.sw * c]);
        p = tf.reshape(tf.slice(p, [0, u, 0, v * c], [n * hs, 1, ws, c]), [n, hs, ws, c]);
      }
      t = tf.transpose(p, [3, 0, 1, 2]);
      phases.set(key, t);
    }
    return t;
  };
  const m = n * g.outH * g.outW;
  const taps: tf.Tensor3D[] = [];
  for (let a = 0; a < g.kh; a++) {
    for (let b = 0; b < g.kw; b++) {
      const from = phase(a % g.sh, b % g.sw);
      const t = tf.slice(from, [0, 0, Math.floor(a / g.sh), Math.floor(b / g.sw)], [c, n, g.outH, g.outW]);
      taps.push(tf.reshape(t, [c, 1, m]));
    }
  }
  const cols = taps.length === 1 ? taps[0]! : tf.concat(taps, 1);
  return tf.reshape(cols, [c * g.kh * g.kw, m]);
}
