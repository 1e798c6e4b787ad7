/**
 * Adam and AdamW written over tf.Variables so their whole state (first and second
 * moments per parameter and the step count) is saved in checkpoints and a resumed
 * run continues with exactly the same update. The math is PyTorch's:
 *   Adam:  g += wd * p (L2 penalty in the gradient)
 *   AdamW: p *= 1 - lr * wd (decoupled decay)
 *   m = b1 m + (1 - b1) g;  v = b2 v + (1 - b2) g^2
 *   p -= lr / (1 - b1^t) * m / (sqrt(v) / sqrt(1 - b2^t) + eps)
 *
 * The moments live in one flat buffer each and an update runs on all parameters at
 * once: the gradients are concatenated, the moment and step arithmetic is a dozen
 * kernels over the flat vector, and each parameter gets one subtraction. Per-parameter
 * updates took 13 kernels per parameter (1040 for the default model), and on the
 * TensorFlow backend every kernel is a binding call. There the update is also compiled
 * (models/compiled_functions.ts): from the second step it is one call, with the
 * step's learning rate and bias corrections as inputs.
 */
import * as tf from '@tensorflow/tfjs-core';
import { htrError } from '../errors.js';
import { CompiledFunctions } from '../models/compiled_functions.js';
import type { OptimizerConfig } from './config.js';

interface Slot {
  readonly name: string;
  readonly param: tf.Variable;
  readonly offset: number;
  readonly size: number;
}

export interface ApplyOptions {
  /** Clip the global gradient norm to this first (clip_grad_norm_; 0 or absent = off). */
  readonly clipNorm?: number;
}

export class AdamOptimizer {
  readonly name: OptimizerConfig['name'];
  /** Current learning rate; the scheduler sets it before each step. */
  lr: number;
  private t = 0;
  private readonly slots: Slot[];
  private readonly total: number;
  private readonly m: tf.Variable;
  private readonly v: tf.Variable;
  /** The update per set of parameters with gradients and clipping on/off. */
  private readonly updates = new CompiledFunctions([], { compileOnRun: 2, maxVariants: 4 });

  constructor(
    params: ReadonlyArray<[string, tf.Variable]>,
    private readonly config: OptimizerConfig,
  ) {
    this.name = config.name;
    this.lr = config.lr;
    let offset = 0;
    this.slots = params.map(([name, param]) => {
      const slot = { name, param, offset, size: param.size };
      offset += param.size;
      return slot;
    });
    this.total = offset;
    this.m = zerosVariable(offset);
    this.v = zerosVariable(offset);
  }

  /** How many variants of the update are compiled (tests). */
  get compiledUpdates(): number {
    return this.updates.size;
  }

  /** Optimizer steps taken so far. */
  get step(): number {
    return this.t;
  }

  /**
   * One update from `grads` (by parameter name); parameters without a gradient are left
   * alone (moments included). Returns the global gradient norm before clipping when
   * `clipNorm` is set (read back once: the trainer logs it).
   */
  apply(grads: ReadonlyMap<string, tf.Tensor>, options: ApplyOptions = {}): number | undefined {
    this.t += 1;
    const present = this.slots.map((s) => grads.has(s.name));
    if (!present.some(Boolean)) return undefined;
    const [b1, b2] = this.config.betas;
    const clipNorm = options.clipNorm ?? 0;
    const lr = this.lr;
    // What changes from step to step is an input, so one compiled update serves every step.
    const stepValues = tf.tensor1d([lr / (1 - b1 ** this.t), Math.sqrt(1 - b2 ** this.t), 1 - lr * this.config.weight_decay, clipNorm]);
    const gradients = this.slots.filter((_, i) => present[i]).map((s) => grads.get(s.name)!);
    const params = this.slots.map((s) => s.param);
    const key = `${present.map(Number).join('')}|${clipNorm > 0}`;
    const [m, v, ...updated] = this.updates.run(
      key,
      (inputs) => this.update(inputs, present, clipNorm > 0),
      [stepValues, this.m, this.v, ...params, ...gradients],
    );
    stepValues.dispose();
    const norm = clipNorm > 0 ? updated.pop()! : undefined;
    // Read back once: the trainer logs the norm.
    const normValue = norm?.dataSync()[0];
    norm?.dispose();
    for (const [variable, value] of [[this.m, m!], [this.v, v!]] as const) {
      variable.assign(value);
      value.dispose();
    }
    this.slots.filter((_, i) => present[i]).forEach((s, j) => {
      s.param.assign(updated[j]!);
      updated[j]!.dispose();
    });
    return normValue;
  }

  /**
   * The update as a function of tensors: [step values, m, v, ...every parameter, ...the gradients
   * present] -> [m, v, ...the updated parameters present, and with clipping the pre-clip norm].
   */
  private update(inputs: readonly tf.Tensor[], present: readonly boolean[], clip: boolean): tf.Tensor[] {
    const [b1, b2] = this.config.betas;
    const { eps, weight_decay: wd } = this.config;
    const decoupled = this.name === 'AdamW';
    const n = this.slots.length;
    return tf.tidy(() => {
      const [stepValues, m, v] = inputs as [tf.Tensor1D, tf.Tensor, tf.Tensor];
      const params = inputs.slice(3, 3 + n);
      const gradients = inputs.slice(3 + n);
      const [stepSize, bc2Sqrt, decay, clipNorm] = tf.unstack(stepValues);
      let j = 0;
      let g: tf.Tensor = this.flatten((s, i) => (present[i] ? gradients[j++]! : tf.zeros([s.size])));
      const norm = clip ? tf.sqrt(tf.sum(tf.square(g))) : undefined;
      if (norm) g = tf.mul(g, tf.minimum(tf.div(clipNorm!, tf.add(norm, 1e-6)), 1));
      if (wd > 0 && !decoupled) g = tf.add(g, tf.mul(this.flatten((_, i) => params[i]!), wd));
      let mNew: tf.Tensor = tf.add(tf.mul(m, b1), tf.mul(g, 1 - b1));
      let vNew: tf.Tensor = tf.add(tf.mul(v, b2), tf.mul(tf.square(g), 1 - b2));
      const denom = tf.add(tf.div(tf.sqrt(vNew), bc2Sqrt!), eps);
      const step = tf.mul(tf.div(mNew, denom), stepSize!);
      if (present.some((p) => !p)) {
        // Parameters without a gradient keep their moments.
        mNew = this.keepAbsent(mNew, m, present);
        vNew = this.keepAbsent(vNew, v, present);
      }
      const parts = tf.split(step, this.slots.map((s) => s.size));
      const updated = this.slots.flatMap((s, i) => {
        if (!present[i]) return [];
        const base = wd > 0 && decoupled ? tf.mul(params[i]!, decay!) : params[i]!;
        return [tf.sub(base, tf.reshape(parts[i]!, s.param.shape))];
      });
      return [mNew, vNew, ...updated, ...(norm ? [norm] : [])];
    });
  }

  /** Moments by "m.<param>" / "v.<param>"; copies the caller disposes. */
  stateTensors(): Map<string, tf.Tensor> {
    const out = new Map<string, tf.Tensor>();
    for (const [slot, flat] of [['m', this.m], ['v', this.v]] as const) {
      for (const s of this.slots) out.set(`${slot}.${s.name}`, tf.tidy(() => tf.reshape(tf.slice(flat, [s.offset], [s.size]), s.param.shape)));
    }
    return out;
  }

  /** Restores moments and step count; every parameter's moments must be present with its shape. */
  loadState(tensors: ReadonlyMap<string, tf.Tensor>, step: number, file = '<memory>'): void {
    for (const slot of ['m', 'v'] as const) {
      for (const s of this.slots) {
        const t = tensors.get(`${slot}.${s.name}`);
        if (!t || t.shape.join(',') !== s.param.shape.join(',')) {
          throw htrError('HTR_ERR_BAD_CHECKPOINT', {
            file,
            reason: `optimizer state ${slot}.${s.name} is ${t ? `shaped [${t.shape.join(',')}]` : 'missing'}, expected [${s.param.shape.join(',')}]`,
          });
        }
      }
    }
    if (this.total > 0) {
      for (const [slot, flat] of [['m', this.m], ['v', this.v]] as const) {
        tf.tidy(() => flat.assign(this.flatten((s) => tensors.get(`${slot}.${s.name}`)!)));
      }
    }
    this.t = step;
  }

  dispose(): void {
    this.m.dispose();
    this.v.dispose();
    this.updates.dispose();
  }

  /** One flat vector of a tensor per parameter, in parameter order. */
  private flatten(pick: (s: Slot, i: number) => tf.Tensor): tf.Tensor1D {
    const parts = this.slots.map((s, i) => tf.reshape(pick(s, i), [s.size]));
    return (parts.length === 1 ? parts[0]! : tf.concat(parts)) as tf.Tensor1D;
  }

  /** `fresh` where the parameter had a gradient, `old` elsewhere. */
  private keepAbsent(fresh: tf.Tensor, old: tf.Tensor, present: readonly boolean[]): tf.Tensor {
    const pieces = this.slots.map((s, i) => tf.slice(present[i] ? fresh : old, [s.offset], [s.size]));
    return tf.concat(pieces);
  }
}

/** A non-trainable flat zero Variable (the temporary zeros tensor is freed). */
function zerosVariable(size: number): tf.Variable {
  const zeros = tf.zeros([size]);
  const v = tf.variable(zeros, false);
  zeros.dispose();
  return v;
}

export function createOptimizer(params: ReadonlyArray<[string, tf.Variable]>, config: OptimizerConfig): AdamOptimizer {
  return new AdamOptimizer(params, config);
}
