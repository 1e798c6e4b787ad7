/**
 * Transpose with adjacent axes merged first: [N,H,W,C] -> [H,W,N,C] (perm [1,2,0,3])
 * runs as the 3-D [N, H*W, C] -> [H*W, N, C], 4-6x faster on wasm than the 4-D
 * original. Size-1 axes are dropped the same way. The stock kernel does the work.
 */
import * as tf from '@tensorflow/tfjs-core';
import { Transpose } from '@tensorflow/tfjs-core';
import type { TensorInfo } from '@tensorflow/tfjs-core';
import { asTensor, installKernel, wrapOutput, type KernelArgs } from './kernel_util.js';

/** The smallest equivalent transpose: merged input shape and permutation. */
export function simplifyTranspose(shape: readonly number[], perm: readonly number[]): { shape: number[]; perm: number[] } {
  const keep = perm.filter((p) => shape[p] !== 1);
  // Groups of input axes that stay consecutive and in order in the output.
  const groups: number[][] = [];
  for (const p of keep) {
    const last = groups[groups.length - 1];
    if (last && last[last.length - 1] === p - 1) last.push(p);
    else groups.push([p]);
  }
  const byInput = [...groups].sort((g1, g2) => g1[0]! - g2[0]!);
  const newShape = byInput.map((g) => g.reduce((acc, ax) => acc * shape[ax]!, 1));
  const newPerm = groups.map((g) => byInput.indexOf(g));
  return { shape: newShape, perm: newPerm };
}

export function registerTransposeMerged(): void {
  installKernel(Transpose, ({ inputs, attrs, backend }: KernelArgs, fallback) => {
    if (!fallback) throw new Error('wasm Transpose fallback missing');
    const x = inputs.x!;
    const { perm } = attrs as { perm: number[] };
    const s = simplifyTranspose(x.shape, perm);
    if (s.perm.length === perm.length || x.dtype === 'string') return fallback({ inputs, backend, attrs });
    const outShape = perm.map((p) => x.shape[p]!);
    return tf.tidy(() => {
      const flat = tf.reshape(asTensor(x), s.shape.length ? s.shape : [1]);
      if (s.perm.length <= 1) return tf.reshape(flat, outShape);
      const info = fallback({ inputs: { x: flat }, backend, attrs: { perm: s.perm } }) as TensorInfo;
      return tf.reshape(wrapOutput(info), outShape);
    });
  });
}
