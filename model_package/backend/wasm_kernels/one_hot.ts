/**
 * OneHot for wasm with a non-int32 dtype. The stock kernel (tfjs 4.22) writes int32
 * bits into whatever dtype was asked for, so a float32 one-hot reads as denormals
 * (~1e-45) and cross-entropy collapses to 0. We build it as int32 and cast.
 */
import * as tf from '@tensorflow/tfjs-core';
import { OneHot } from '@tensorflow/tfjs-core';
import type { TensorInfo } from '@tensorflow/tfjs-core';
import { installKernel, wrapOutput, type KernelArgs } from './kernel_util.js';

export function registerOneHot(): void {
  installKernel(OneHot, ({ inputs, attrs, backend }: KernelArgs, fallback) => {
    if (!fallback) throw new Error('wasm OneHot fallback missing');
    const a = attrs as { depth: number; onValue: number; offValue: number; dtype: tf.DataType };
    if (a.dtype === 'int32') return fallback({ inputs, backend, attrs });
    const intOnes = Number.isInteger(a.onValue) && Number.isInteger(a.offValue);
    return tf.tidy(() => {
      // Integral on/off values go straight through as int32; others via a 0/1 mask.
      const base = intOnes ? attrs : { ...a, onValue: 1, offValue: 0 };
      const info = fallback({ inputs, backend, attrs: { ...base, dtype: 'int32' } }) as TensorInfo;
      let t = tf.cast(wrapOutput(info), a.dtype);
      if (!intOnes) t = tf.add(tf.mul(t, a.onValue - a.offValue), a.offValue);
      return t;
    });
  });
}
