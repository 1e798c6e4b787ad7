/**
 * Compiled functions on the TensorFlow backend (backend/graph_function.ts): a function's
 * ops recorded once and replayed as one TensorFlow function call, against the same
 * function run op by op. Skipped, with the reason, when the native build is absent.
 */
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { findNativeBuild, initBackend } from '../../../model_package/backend/index.js';
import { compileGraphFunction, GRAPH_FUNCTION, supportsGraphFunctions } from '../../../model_package/backend/graph_function.js';
import { CompiledFunctions, setFunctionCompilation, type TensorFunction } from '../../../model_package/models/compiled_functions.js';
import { START_INDEX } from '../../../model_package/core/tokenizer.js';
import { Rng } from '../../../model_package/core/rng.js';
import type { ResnetTransformer } from '../../../model_package/models/resnet_transformer.js';
import { expectNoTensorLeak } from '../../helpers/tf.js';
import { images, tinyModel } from '../models/fixtures.js';
import { buildMapping, Tokenizer } from '../../../model_package/core/tokenizer.js';
import type { Batch, DataConfig } from '../../../model_package/core/data_types.js';
import { accumulateGradients, applyGradients, compiledTrainSteps, paramIndex } from '../../../model_package/training/train_step.js';
import { createOptimizer } from '../../../model_package/training/optimizer.js';
import { OptimizerConfig } from '../../../model_package/training/config.js';

const build = findNativeBuild();
if (!build) console.warn('[graph_function] skipped: no .native build (run `npm run setup:native` to enable)');

/** Attention of one query over a growing cache, with a baked weight and an embedding lookup. */
function attendStep(weight: tf.Tensor2D, table: tf.Tensor2D): TensorFunction {
  return ([ids, cache, memory]) => {
    const q = tf.matMul(tf.gather(table, ids as tf.Tensor1D), weight); // [B, D]
    const grown = tf.concat([cache as tf.Tensor3D, tf.expandDims(q, 1)], 1); // [B, S+1, D]
    const scores = tf.softmax(tf.matMul(tf.expandDims(q, 1), grown, false, true)); // [B, 1, S+1]
    const [b, d] = q.shape;
    const ctx = tf.add(tf.reshape(tf.matMul(scores, grown), [b, d]), tf.mean(memory!, 1));
    return [tf.relu(ctx), grown];
  };
}

/** The tensors' values; disposes them. */
function values(ts: tf.Tensor[]): { shape: number[]; data: Float32Array }[] {
  const out = ts.map((t) => ({ shape: t.shape, data: Float32Array.from(t.dataSync()) }));
  tf.dispose(ts);
  return out;
}

function relDiff(a: { data: Float32Array }, b: { data: Float32Array }): number {
  let err = 0;
  let scale = 1e-12;
  for (let i = 0; i < a.data.length; i++) {
    err = Math.max(err, Math.abs(a.data[i]! - b.data[i]!));
    scale = Math.max(scale, Math.abs(b.data[i]!));
  }
  return err / scale;
}

describe.skipIf(!build)('compiled functions on the TensorFlow backend', () => {
  const rng = new Rng(4);
  const rnd = (shape: number[]) => tf.tensor(Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => rng.next() - 0.5), shape);
  let weight: tf.Tensor2D;
  let table: tf.Tensor2D;

  beforeAll(async () => {
    await initBackend({ accelerator: 'native', log: () => {} });
    weight = rnd([8, 8]) as tf.Tensor2D;
    table = rnd([10, 8]) as tf.Tensor2D;
  });
  afterAll(() => tf.dispose([weight, table]));

  it('the addon built by setup:native registers graph functions', () => {
    expect(supportsGraphFunctions(tf.backend())).toBe(true);
  });

  it('replays the recorded ops exactly, for other input values and a longer cache', async () => {
    const fn = attendStep(weight, table);
    const inputsAt = (len: number, seed: number) => {
      const r = new Rng(seed);
      return [tf.tensor1d([r.int(0, 9), r.int(0, 9), r.int(0, 9)], 'int32'), rnd([3, len, 8]), rnd([3, 5, 8])];
    };
    const first = inputsAt(2, 1);
    const { outputs, compiled } = compileGraphFunction(fn, first, [weight, table]);
    expect(compiled).not.toBeNull();
    expect(relDiff(values(outputs)[0]!, values(tf.tidy(() => fn(first)))[0]!)).toBe(0); // the recording run is the eager run
    await expectNoTensorLeak(() => {
      for (const [len, seed] of [[2, 2], [7, 3], [1, 4]] as const) {
        const inputs = inputsAt(len, seed);
        const got = values(tf.tidy(() => compiled!.run(inputs)));
        const want = values(tf.tidy(() => fn(inputs)));
        expect(got.map((g) => g.shape)).toEqual(want.map((w) => w.shape));
        got.forEach((g, i) => expect(relDiff(g, want[i]!), `len ${len} output ${i}`).toBeLessThan(1e-6));
        tf.dispose(inputs);
      }
    }, 'compiled runs');
    compiled!.dispose();
    expect(() => compiled!.run(first)).toThrow(/disposed/);
    tf.dispose(first);
  });

  it('refuses a read-back inside the function and a tensor it was not given, and leaves the backend working', () => {
    const x = tf.tensor1d([1, 2, 3]);
    const hidden = tf.tensor1d([4, 5, 6]);
    const readBack: TensorFunction = ([a]) => [tf.scalar(a!.dataSync()[0]!)];
    expect(() => tf.tidy(() => compileGraphFunction(readBack, [x], []).outputs)).toThrow(/cannot read a tensor back/);
    const capture: TensorFunction = ([a]) => [tf.add(a!, hidden)];
    expect(() => tf.tidy(() => compileGraphFunction(capture, [x], []).outputs)).toThrow(/neither an input nor a constant/);
    expect(Array.from(tf.add(x, hidden).dataSync())).toEqual([5, 7, 9]);
    tf.dispose([x, hidden]);
  });

  it('an embedding lookup out of range is TensorFlow\'s error (no read-back to check it first)', () => {
    const ids = tf.tensor1d([1, 12], 'int32');
    expect(() => tf.gather(table, ids).dataSync()).toThrow(/12 is not in \[0, 10\)/);
    ids.dispose();
  });

  it('keeps one variant per key and frees them with the cache', async () => {
    const fn = attendStep(weight, table);
    const cache = new CompiledFunctions([weight, table]);
    const inputs = [tf.tensor1d([1, 2], 'int32'), rnd([2, 3, 8]), rnd([2, 4, 8])];
    await expectNoTensorLeak(() => {
      for (let i = 0; i < 3; i++) tf.dispose(cache.run('b2', fn, inputs));
    }, 'cached runs');
    expect(cache.size).toBe(1);
    cache.dispose();
    expect(cache.size).toBe(0);
    tf.dispose(inputs);
  });

  it('keeps the most recently used variants only', () => {
    const cache = new CompiledFunctions([], { maxVariants: 2 });
    const x = tf.tensor1d([1, 2]);
    const double: TensorFunction = ([a]) => [tf.add(a!, a!)];
    for (const key of ['a', 'b', 'a', 'c']) tf.dispose(cache.run(key, double, [x])); // 'b' is the least recent when 'c' comes
    expect(cache.size).toBe(2);
    expect((cache as unknown as { compiled: Map<string, unknown> }).compiled.has('b')).toBe(false);
    cache.dispose();
    x.dispose();
  });

  it('runs a function it cannot compile op by op, once warned', async () => {
    const cache = new CompiledFunctions([]);
    const x = tf.tensor1d([2, 3]);
    const readBack: TensorFunction = ([a]) => [tf.mul(a!, a!.dataSync()[0]!)];
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    await expectNoTensorLeak(() => {
      for (let i = 0; i < 2; i++) expect(Array.from(values(cache.run('k', readBack, [x]))[0]!.data)).toEqual([4, 6]);
    }, 'op-by-op runs');
    expect(warn).toHaveBeenCalledTimes(1);
    expect(String(warn.mock.calls[0]![0])).toMatch(/running op by op: a compiled function cannot read a tensor back/);
    warn.mockRestore();
    expect(cache.size).toBe(0);
    x.dispose();
  });

  it('runs as written under a gradient tape (a compiled call has no gradient), and as one kernel otherwise', async () => {
    const cache = new CompiledFunctions([]);
    const square: TensorFunction = ([a]) => [tf.mul(a!, a!)];
    const x = tf.tensor1d([3, -2]);
    const dx = tf.grad((t: tf.Tensor) => tf.sum(cache.run('sq', square, [t])[0]!))(x);
    expect(Array.from(dx.dataSync())).toEqual([6, -4]);
    expect(cache.size).toBe(0);
    tf.dispose(cache.run('sq', square, [x])); // compiles
    let again: tf.Tensor[] = [];
    const info = await tf.profile(() => {
      again = cache.run('sq', square, [x]);
      return again;
    });
    expect(info.kernelNames).toEqual([GRAPH_FUNCTION]);
    expect(Array.from(again[0]!.dataSync())).toEqual([9, 4]);
    expect(cache.size).toBe(1);
    tf.dispose([dx, x, ...again]);
    cache.dispose();
  });

  describe('the model\'s eval passes (encoder, CTC head, memory keys and values)', () => {
    let model: ResnetTransformer;
    let x: tf.Tensor4D;
    const passes = () => (model as unknown as { evalPasses: { get(w: tf.Tensor[], make: () => CompiledFunctions): CompiledFunctions } }).evalPasses
      .get([...model.parameters(), ...model.namedBuffers().map(([, b]) => b)], () => new CompiledFunctions([]));

    beforeAll(() => {
      model = tinyModel({ seed: 6, ctc_weight: 0.5 });
      x = tf.tidy(() => tf.mul(images(3, 16, 48, 5), tf.tensor4d([1, 10, 40], [3, 1, 1, 1])));
    });
    afterAll(() => {
      setFunctionCompilation(true);
      model.dispose();
      x.dispose();
    });

    const ctc = (compiled: boolean) => {
      setFunctionCompilation(compiled);
      return model.withEvalMode(() => values([model.ctcLogits(x)])[0]!);
    };
    const greedy = (compiled: boolean) => {
      setFunctionCompilation(compiled);
      const ids = model.greedyDecode(x, { earlyStop: false });
      return Array.from(values([ids])[0]!.data);
    };

    it('compile a shape on its second run and give the op-by-op results, until a weight changes', async () => {
      const eager = ctc(false);
      const eagerIds = greedy(false); // also folds the decoder, which the model keeps
      await expectNoTensorLeak(() => {
        expect(relDiff(ctc(true), eager)).toBeLessThan(1e-5);
        expect(passes().size).toBe(0); // the first run of a shape goes op by op
        for (let i = 0; i < 2; i++) expect(relDiff(ctc(true), eager)).toBeLessThan(1e-5);
        expect(passes().size).toBe(1);
        expect(greedy(true)).toEqual(eagerIds);
        expect(greedy(true)).toEqual(eagerIds); // compiled memory pass and steps
      }, 'compiled eval passes');
      expect(passes().size).toBe(2);

      // A training step's worth of change: the compiled copies are dropped, the answers follow the weights.
      const w = model.parameters()[0]!;
      const before = w.clone();
      w.assign(tf.tidy(() => tf.mul(w, 1.5)));
      const changed = ctc(false);
      expect(relDiff(changed, eager)).toBeGreaterThan(1e-3);
      for (let i = 0; i < 2; i++) expect(relDiff(ctc(true), changed)).toBeLessThan(1e-5);
      w.assign(before);
      before.dispose();
    });

    it('training mode runs op by op', () => {
      setFunctionCompilation(true);
      model.train(true);
      for (let i = 0; i < 3; i++) tf.dispose(model.ctcLogits(x));
      model.train(false);
      expect(passes().size).toBe(0);
    });
  });

  describe('the train step (forward and backward passes)', () => {
    const DATA: DataConfig = { inputDims: [1, 16, 48], outputDims: [8], mapping: buildMapping('abcdefgh ') };
    /** A batch of `texts` (images 48 px wide; `widths` gives each row's own width, which sets its CTC frames). */
    function batchOf(texts: string[], widths: number[] = texts.map(() => 48)): Batch {
      const tok = new Tokenizer(DATA.mapping);
      const x = new Float32Array(texts.length * 16 * 48).map((_, i) => ((i * 7919) % 97) / 97);
      const y = new Int32Array(texts.length * 8);
      texts.forEach((t, i) => y.set(tok.encode(t, 8), i * 8));
      return { x, y, batchSize: texts.length, height: 16, width: 48, widths: Int32Array.from(widths), seqLength: 8, texts, ids: texts };
    }
    const STEPS = [['abc', 'hgf e'], ['dd', 'a b c'], ['abc', 'hgf e']];
    // With a CTC head: an empty label, and rows whose labels do not fit their frames (counted, loss 0).
    const CTC_STEPS: Array<[string[], number[]]> = [[['abc', 'hgf e', ''], [48, 48, 40]], [['dd', 'a b c', 'aaabb'], [48, 8, 12]], [['abc', 'hgf e', ''], [48, 48, 40]]];
    function setUp(overrides: Record<string, unknown>) {
      const model = tinyModel({ seed: 8, ...overrides }, DATA);
      model.train(true);
      return { model, params: paramIndex(model), optimizer: createOptimizer(model.namedParameters(), OptimizerConfig.parse({ lr: 1e-2 })) };
    }
    const bufferValues = (m: ResnetTransformer) => m.namedBuffers().map(([n, b]) => ({ name: n, data: Float32Array.from(b.dataSync()) }));

    for (const [what, overrides, steps] of [
      ['cross-entropy', {}, STEPS.map((t) => [t, undefined])],
      ['cross-entropy and CTC', { ctc_weight: 0.5 }, CTC_STEPS],
    ] as Array<[string, Record<string, unknown>, Array<[string[], number[] | undefined]>]>) {
    it(`gives the op-by-op loss, gradients and running statistics at every step, compiled from a shape's second step (${what})`, async () => {
      // Two copies of one model; both take the op-by-op gradients' update, so they stay equal
      // (Adam would amplify float noise in parameters whose true gradient is 0).
      const a = setUp(overrides);
      const b = setUp(overrides);
      const compiled = compiledTrainSteps();
      const statsA = { ctcInfeasible: 0 };
      const statsB = { ctcInfeasible: 0 };
      await expectNoTensorLeak(() => {
        for (const [i, [texts, widths]] of steps.entries()) {
          const ga = new Map<string, tf.Tensor>();
          const gb = new Map<string, tf.Tensor>();
          const la = accumulateGradients(a.model, batchOf(texts, widths), a.params, 1, ga, false, statsA);
          const lb = accumulateGradients(b.model, batchOf(texts, widths), b.params, 1, gb, false, statsB, compiled);
          expect(lb, `loss at step ${i}`).toBeCloseTo(la, 5);
          expect(statsB.ctcInfeasible, `infeasible rows counted by step ${i}`).toBe(statsA.ctcInfeasible);
          const scale = Math.max(...[...ga.values()].map((g) => tf.tidy(() => tf.max(tf.abs(g)).dataSync()[0]!)));
          for (const [name, g] of ga) {
            const diff = tf.tidy(() => tf.max(tf.abs(tf.sub(g, gb.get(name)!))).dataSync()[0]!);
            expect(diff / scale, `${name} at step ${i}`).toBeLessThan(1e-5);
          }
          bufferValues(b.model).forEach((t, j) => expect(relDiff(t, bufferValues(a.model)[j]!), `${t.name} at step ${i}`).toBeLessThan(1e-5));
          tf.dispose([...gb.values()]);
          const copy = new Map([...ga].map(([n, g]) => [n, g.clone()]));
          applyGradients(a.optimizer, ga, 1e-2, 1);
          applyGradients(b.optimizer, copy, 1e-2, 1);
        }
      }, 'compiled training');
      expect(compiled.size).toBe(1); // one batch shape, compiled at its second step
      if (overrides.ctc_weight) expect(statsB.ctcInfeasible).toBe(2); // 'a b c' (5 frames) in 8 px, 'aaabb' (8) in 12
      for (const m of [a, b]) {
        m.optimizer.dispose();
        m.model.dispose();
      }
      compiled.dispose();
    });
    }

    it('stays op by op for a model that draws random numbers in training (dropout)', () => {
      for (const overrides of [{ tf_dropout: 0.1 }]) {
        const { model, params, optimizer } = setUp(overrides);
        const compiled = compiledTrainSteps();
        for (const texts of STEPS) {
          const grads = new Map<string, tf.Tensor>();
          accumulateGradients(model, batchOf(texts), params, 1, grads, false, undefined, compiled);
          applyGradients(optimizer, grads, 1e-2, 1);
        }
        expect(compiled.size, JSON.stringify(overrides)).toBe(0);
        compiled.dispose();
        optimizer.dispose();
        model.dispose();
      }
    });
  });

  describe('the optimizer update', () => {
    for (const clipNorm of [0.5, 0]) it(`gives the op-by-op parameters, moments and gradient norm at every step (AdamW, clipNorm ${clipNorm}, a missing gradient)`, async () => {
      const make = () => {
        const r = new Rng(9);
        const vars: Array<[string, tf.Variable]> = [[3, 4], [5], [2, 2, 3]].map((shape, i) => [
          `p${i}`, tf.variable(tf.tensor(Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => r.next() - 0.5), shape)),
        ]);
        return { vars, optimizer: createOptimizer(vars, OptimizerConfig.parse({ name: 'AdamW', lr: 1e-2, weight_decay: 0.1 })) };
      };
      const a = make();
      const b = make();
      const gradsAt = (step: number, vars: Array<[string, tf.Variable]>) =>
        new Map(vars.filter((_, i) => step !== 3 || i !== 1).map(([name, v]) => [name, tf.tidy(() => tf.mul(tf.onesLike(v), Math.sin(step + v.size)))]));
      await expectNoTensorLeak(() => {
        for (let step = 0; step < 5; step++) {
          setFunctionCompilation(false);
          const ga = gradsAt(step, a.vars);
          const na = a.optimizer.apply(ga, { clipNorm });
          setFunctionCompilation(true);
          const gb = gradsAt(step, b.vars);
          const nb = b.optimizer.apply(gb, { clipNorm });
          tf.dispose([...ga.values(), ...gb.values()]);
          if (clipNorm > 0) expect(nb, `norm at step ${step}`).toBeCloseTo(na!, 5);
          else expect([na, nb]).toEqual([undefined, undefined]);
          a.vars.forEach(([name, v], i) => expect(relDiff(values([v.clone()])[0]!, values([b.vars[i]![1].clone()])[0]!), `${name} at step ${step}`).toBeLessThan(1e-6));
          const [sa, sb] = [a.optimizer.stateTensors(), b.optimizer.stateTensors()];
          for (const [name, t] of sa) expect(relDiff(values([t])[0]!, values([sb.get(name)!])[0]!), `${name} at step ${step}`).toBeLessThan(1e-6);
        }
      }, 'compiled optimizer update');
      expect(a.optimizer.compiledUpdates).toBe(0);
      expect(b.optimizer.compiledUpdates).toBe(1); // all gradients present, from the second step; step 3's variant ran once
      for (const m of [a, b]) {
        m.optimizer.dispose();
        m.vars.forEach(([, v]) => v.dispose());
      }
    });
  });

  describe('the folded decoder\'s step', () => {
    let model: ResnetTransformer;
    let x: tf.Tensor4D;

    beforeAll(() => {
      model = tinyModel({ seed: 5 });
      x = tf.tidy(() => tf.mul(images(3, 16, 48, 4), tf.tensor4d([1, 10, 40], [3, 1, 1, 1])));
    });
    afterAll(() => {
      setFunctionCompilation(true);
      model.dispose();
      x.dispose();
    });

    function decode(compiled: boolean, rows: number, steps: number): { shape: number[]; data: Float32Array }[] {
      setFunctionCompilation(compiled);
      const batch = tf.slice(x, 0, rows);
      const dec = model.stepDecoder(batch, 1, true);
      batch.dispose();
      const rng = new Rng(3);
      let tokens = new Int32Array(rows).fill(START_INDEX);
      const out = [];
      for (let t = 0; t < steps; t++) {
        const logits = dec.step(tokens);
        out.push(...values([logits]));
        logits.dispose();
        tokens = tokens.map(() => rng.int(4, 11));
      }
      dec.dispose();
      return out;
    }

    it('gives the op-by-op logits at every step, for each batch size', async () => {
      for (const rows of [3, 1]) {
        const eager = decode(false, rows, 7);
        const compiled = await expectNoTensorLeak(() => decode(true, rows, 7), `compiled decoding of ${rows} rows`);
        compiled.forEach((c, t) => expect(relDiff(c, eager[t]!), `${rows} rows, step ${t}`).toBeLessThan(2e-5));
      }
      // Two variants per batch size: the first step (no cache yet) and the later ones.
      expect((model.foldedDecoder() as unknown as { compiled: CompiledFunctions }).compiled.size).toBe(4);
    });
  });
});
