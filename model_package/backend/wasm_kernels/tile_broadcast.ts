/**
 * Tile that only repeats size-1 axes is a broadcast: add(zeros(outShape), x) runs in
 * wasm's vectorised Add instead of the generic element-by-element Tile. Everything
 * else goes to the stock kernel.
 */
import * as tf from '@tensorflow/tfjs-core';
import { Tile } from '@tensorflow/tfjs-core';
import { asTensor, installKernel, type KernelArgs } from './kernel_util.js';

export function isBroadcastTile(shape: readonly number[], reps: readonly number[]): boolean {
  return reps.length === shape.length && reps.every((r, i) => r === 1 || shape[i] === 1);
}

export function registerTileBroadcast(): void {
  installKernel(Tile, ({ inputs, attrs, backend }: KernelArgs, fallback) => {
    const x = inputs.x!;
    const { reps } = attrs as { reps: number[] };
    if (x.dtype === 'string' || x.dtype === 'bool' || x.dtype === 'complex64' || !isBroadcastTile(x.shape, reps)) {
      if (!fallback) throw new Error('wasm Tile fallback missing');
      return fallback({ inputs, backend, attrs });
    }
    const outShape = x.shape.map((d, i) => d * reps[i]!);
    return tf.tidy(() => tf.add(tf.zeros(outShape, x.dtype), asTensor(x)));
  });
}
