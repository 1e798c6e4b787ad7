/**
 * Tensors derived from weights for inference (folded copies), kept between calls until
 * one of those weights changes. An optimizer step or a loaded state dict gives a
 * variable new data (`assign`), so the weights' data ids are the key.
 */
import * as tf from '@tensorflow/tfjs-core';

export interface Disposable {
  dispose(): void;
}

export class DerivedWeights<T extends Disposable> {
  private cached: { readonly value: T; readonly key: readonly object[] } | undefined;

  /** The value made by `make` from `weights`, made again when any of them has new data. */
  get(weights: readonly tf.Tensor[], make: () => T): T {
    const c = this.cached;
    if (c && c.key.length === weights.length && weights.every((w, i) => w.dataId === c.key[i])) return c.value;
    this.dispose();
    const value = make();
    this.cached = { value, key: weights.map((w) => w.dataId) };
    return value;
  }

  dispose(): void {
    this.cached?.value.dispose();
    this.cached = undefined;
  }
}

/**
 * Tensors that outlive the scope they are made in (tf.keep: a caller's tf.tidy around
 * the first use must not free them), until `dispose`.
 */
export class KeptTensors<T extends Record<string, tf.Tensor>> implements Disposable {
  constructor(readonly tensors: T) {
    for (const t of Object.values(tensors)) tf.keep(t);
  }

  dispose(): void {
    tf.dispose(Object.values(this.tensors));
  }
}
