/**
 * A small PyTorch-like module tree over tfjs-core: named parameters (trainable
 * tf.Variables), buffers (non-trainable tf.Variables such as BatchNorm running
 * statistics), child modules, train/eval mode and a state dict.
 *
 * Variables get tfjs' auto-generated unique names (tfjs rejects duplicate names
 * engine-wide); the dotted module names ("encoder.stem.conv.weight") live here.
 * Pass `namedParameters()` as the var list of `tf.variableGrads` and map grads back
 * with the variable's `.name`.
 */
import * as tf from '@tensorflow/tfjs-core';
import { htrError } from '../errors.js';
import type { Module } from './types.js';

export abstract class BaseModule implements Module {
  private readonly params = new Map<string, tf.Variable>();
  private readonly buffers = new Map<string, tf.Variable>();
  private readonly children = new Map<string, BaseModule>();
  private mode = true;

  get training(): boolean {
    return this.mode;
  }

  /** Sets train (true, PyTorch's default on construction) or eval mode on the whole tree. */
  train(mode = true): void {
    this.mode = mode;
    for (const child of this.children.values()) child.train(mode);
  }

  eval(): void {
    this.train(false);
  }

  protected registerParameter(name: string, shape: readonly number[], values: Float32Array): tf.Variable {
    return this.register(this.params, name, shape, values, true);
  }

  protected registerBuffer(name: string, shape: readonly number[], values: Float32Array): tf.Variable {
    return this.register(this.buffers, name, shape, values, false);
  }

  protected registerModule<T extends BaseModule>(name: string, module: T): T {
    this.assertFreeName(name);
    this.children.set(name, module);
    module.train(this.mode);
    return module;
  }

  namedParameters(): Array<[string, tf.Variable]> {
    return this.collect((m) => m.params);
  }

  namedBuffers(): Array<[string, tf.Variable]> {
    return this.collect((m) => m.buffers);
  }

  /** Trainable variables, in `namedParameters()` order. */
  parameters(): tf.Variable[] {
    return this.namedParameters().map(([, v]) => v);
  }

  numParameters(): number {
    return this.namedParameters().reduce((n, [, v]) => n + v.size, 0);
  }

  stateDict(): Map<string, tf.Tensor> {
    const out = new Map<string, tf.Tensor>();
    for (const [name, v] of [...this.namedParameters(), ...this.namedBuffers()]) out.set(name, tf.clone(v));
    return out;
  }

  loadStateDict(state: ReadonlyMap<string, tf.Tensor>): void {
    const targets = new Map([...this.namedParameters(), ...this.namedBuffers()]);
    // Validate everything before assigning anything, so a bad dict leaves the model intact.
    for (const [name, v] of targets) {
      const t = state.get(name);
      if (t === undefined) throw htrError('HTR_ERR_SHAPE_MISMATCH', { key: name, expected: v.shape, actual: 'missing' });
      if (!sameShape(t.shape, v.shape) || t.dtype !== v.dtype) {
        throw htrError('HTR_ERR_SHAPE_MISMATCH', {
          key: name,
          expected: `${v.dtype}[${v.shape.join(',')}]`,
          actual: `${t.dtype}[${t.shape.join(',')}]`,
        });
      }
    }
    for (const name of state.keys()) {
      if (!targets.has(name)) throw htrError('HTR_ERR_SHAPE_MISMATCH', { key: name, expected: 'absent', actual: 'unknown name' });
    }
    for (const [name, v] of targets) v.assign(state.get(name) as tf.Tensor);
  }

  dispose(): void {
    for (const v of this.params.values()) v.dispose();
    for (const v of this.buffers.values()) v.dispose();
    for (const child of this.children.values()) child.dispose();
    this.params.clear();
    this.buffers.clear();
    this.children.clear();
  }

  private register(
    into: Map<string, tf.Variable>,
    name: string,
    shape: readonly number[],
    values: Float32Array,
    trainable: boolean,
  ): tf.Variable {
    this.assertFreeName(name);
    const init = tf.tensor(values, [...shape], 'float32');
    const v = tf.variable(init, trainable);
    init.dispose();
    into.set(name, v);
    return v;
  }

  private assertFreeName(name: string): void {
    if (this.params.has(name) || this.buffers.has(name) || this.children.has(name)) {
      throw new Error(`module member "${name}" registered twice`);
    }
  }

  private collect(pick: (m: BaseModule) => Map<string, tf.Variable>, prefix = ''): Array<[string, tf.Variable]> {
    const out: Array<[string, tf.Variable]> = [];
    for (const [name, v] of pick(this)) out.push([prefix + name, v]);
    for (const [name, child] of this.children) out.push(...child.collect(pick, `${prefix}${name}.`));
    return out;
  }
}

function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

/**
 * `tf.tidy` for results that are typed objects of tensors (KV caches): tidy keeps
 * every tensor in the returned container, but its TensorContainer type has no
 * room for interfaces.
 */
export function tidy<T>(fn: () => T): T {
  return tf.tidy(fn as () => tf.TensorContainer) as T;
}
