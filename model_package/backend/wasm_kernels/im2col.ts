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

/** [N, outH, outW, kh*kw*C]. */
export function im2col(x: tf.Tensor4D, g: Im2colGeometry): tf.Tensor4D {
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
  // Every tap reads rows a + sh*i for i < outH: pad so a + sh*outH fits for all a.
  const needH = g.kh - 1 + g.sh * g.outH;
  const needW = g.kw - 1 + g.sw * g.outW;
  const padBottom = Math.max(0, needH - padTop - h);
  const padRight = Math.max(0, needW - padLeft - w);
  let xp: tf.Tensor4D = src;
  if (padTop || padLeft || padBottom || padRight) {
    xp = tf.pad(src, [[0, 0], [padTop, padBottom], [padLeft, padRight], [0, 0]]);
  }
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
