/**
 * Adam and AdamW written over tf.Variables so their whole state (first and second
 * moments per parameter and the step count) is saved in checkpoints and a resumed
 * run continues with exactly the same update. The math is PyTorch's:
 *   Adam:  g += wd * p (L2 penalty in the gradient)
 *   AdamW: p *= 1 - lr * wd (decoupled decay)
 *   m = b1 m + (1 - b1) g;  v = b2 v + (1 - b2) g^2
 *   p -= lr / (1 - b1^t) * m / (sqrt(v) / sqrt(1 - b2^t) + eps)
 */
import * as tf from '@tensorflow/tfjs-core';
import { htrError } from '../errors.js';
import type { OptimizerConfig } from './config.js';

export class AdamOptimizer {
  readonly name: OptimizerConfig['name'];
  /** Current learning rate; the scheduler sets it before each step. */
  lr: number;
  private t = 0;
  private readonly params: ReadonlyArray<[string, tf.Variable]>;
  private readonly m = new Map<string, tf.Variable>();
  private readonly v = new Map<string, tf.Variable>();

  constructor(
    params: ReadonlyArray<[string, tf.Variable]>,
    private readonly config: OptimizerConfig,
  ) {
    this.name = config.name;
    this.lr = config.lr;
    this.params = params;
    for (const [name, p] of params) {
      this.m.set(name, zerosVariable(p));
      this.v.set(name, zerosVariable(p));
    }
  }

  /** Optimizer steps taken so far. */
  get step(): number {
    return this.t;
  }

  /** One update from `grads` (by parameter name); parameters without a gradient are left alone. */
  apply(grads: ReadonlyMap<string, tf.Tensor>): void {
    this.t += 1;
    const [b1, b2] = this.config.betas;
    const { eps, weight_decay: wd } = this.config;
    const lr = this.lr;
    const bc1 = 1 - b1 ** this.t;
    const bc2Sqrt = Math.sqrt(1 - b2 ** this.t);
    const decoupled = this.name === 'AdamW';
    for (const [name, p] of this.params) {
      const grad = grads.get(name);
      if (!grad) continue;
      const m = this.m.get(name) as tf.Variable;
      const v = this.v.get(name) as tf.Variable;
      tf.tidy(() => {
        let g: tf.Tensor = grad;
        let base: tf.Tensor = p;
        if (wd > 0 && !decoupled) g = tf.add(g, tf.mul(p, wd));
        if (wd > 0 && decoupled) base = tf.mul(p, 1 - lr * wd);
        const mNew = tf.add(tf.mul(m, b1), tf.mul(g, 1 - b1));
        const vNew = tf.add(tf.mul(v, b2), tf.mul(tf.square(g), 1 - b2));
        m.assign(mNew);
        v.assign(vNew);
        const denom = tf.add(tf.div(tf.sqrt(vNew), bc2Sqrt), eps);
        p.assign(tf.sub(base, tf.mul(tf.div(mNew, denom), lr / bc1)));
      });
    }
  }

  /** Moments by "m.<param>" / "v.<param>"; copies the caller disposes. */
  stateTensors(): Map<string, tf.Tensor> {
    const out = new Map<string, tf.Tensor>();
    for (const [name, t] of this.m) out.set(`m.${name}`, tf.clone(t));
    for (const [name, t] of this.v) out.set(`v.${name}`, tf.clone(t));
    return out;
  }

  /** Restores moments and step count; every parameter's moments must be present with its shape. */
  loadState(tensors: ReadonlyMap<string, tf.Tensor>, step: number, file = '<memory>'): void {
    for (const [slot, table] of [['m', this.m], ['v', this.v]] as const) {
      for (const [name, variable] of table) {
        const t = tensors.get(`${slot}.${name}`);
        if (!t || t.shape.join(',') !== variable.shape.join(',')) {
          throw htrError('HTR_ERR_BAD_CHECKPOINT', {
            file,
            reason: `optimizer state ${slot}.${name} is ${t ? `shaped [${t.shape.join(',')}]` : 'missing'}, expected [${variable.shape.join(',')}]`,
          });
        }
      }
    }
    for (const [slot, table] of [['m', this.m], ['v', this.v]] as const) {
      for (const [name, variable] of table) variable.assign(tensors.get(`${slot}.${name}`) as tf.Tensor);
    }
    this.t = step;
  }

  dispose(): void {
    for (const t of [...this.m.values(), ...this.v.values()]) t.dispose();
    this.m.clear();
    this.v.clear();
  }
}

/** A non-trainable zero Variable shaped like `p` (the temporary zeros tensor is freed). */
function zerosVariable(p: tf.Tensor): tf.Variable {
  const zeros = tf.zerosLike(p);
  const v = tf.variable(zeros, false);
  zeros.dispose();
  return v;
}

export function createOptimizer(params: ReadonlyArray<[string, tf.Variable]>, config: OptimizerConfig): AdamOptimizer {
  return new AdamOptimizer(params, config);
}
