import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import type { GrayImage } from '../../../model_package/core/data_types.js';
import { LineRecognizer } from '../../../model_package/inference/line_recognizer.js';
import { combineLines } from '../../../model_package/inference/predictor.js';
import { ResnetTransformer } from '../../../model_package/models/resnet_transformer.js';
import { END_INDEX, SPECIAL_TOKENS, START_INDEX } from '../../../model_package/core/tokenizer.js';
import { Rng } from '../../../model_package/core/rng.js';
import { TEST_DATA_CONFIG, tinyRecognizer, useCpu } from '../../serving/helpers.js';

const [, H, W] = TEST_DATA_CONFIG.inputDims;

function randomImage(seed: number): GrayImage {
  const rng = new Rng(seed);
  return { data: Float32Array.from({ length: H * W }, () => (rng.next() < 0.15 ? rng.next() : 0)), height: H, width: W };
}

beforeAll(useCpu);

describe('LineRecognizer', () => {
  it('greedy: text is the decoded ids and each p is the decoder step probability of that character', async () => {
    const model = tinyRecognizer(3) as ResnetTransformer;
    const lines = new LineRecognizer(model);
    const img = randomImage(1);
    const [pred] = await lines.recognize([img]);
    // Reference: walk the cached step decoder by hand and softmax each step.
    const x = lines.stack([img]);
    const dec = model.stepDecoder(x, 1, true);
    const expected: Array<{ char: string; p: number }> = [];
    let logSum = 0;
    let steps = 0;
    let token = START_INDEX;
    for (let t = 1; t < TEST_DATA_CONFIG.outputDims[0]; t++) {
      const logits = dec.step(Int32Array.of(token));
      const probs = tf.softmax(logits);
      const p = probs.dataSync();
      const id = tf.argMax(logits, 1).dataSync()[0] as number;
      tf.dispose([logits, probs]);
      logSum += Math.log(p[id] as number);
      steps++;
      if (id === END_INDEX) break;
      // Special tokens mid-line (<S>, <P>, <B>) count for confidence but are not text, as in Tokenizer.decode.
      if (id >= SPECIAL_TOKENS.length) expected.push({ char: TEST_DATA_CONFIG.mapping[id] as string, p: p[id] as number });
      token = id;
    }
    dec.dispose();
    x.dispose();
    expect(pred?.text).toBe(expected.map((c) => c.char).join(''));
    expect(pred?.chars.map((c) => c.char)).toEqual(expected.map((c) => c.char));
    pred?.chars.forEach((c, i) => expect(c.p).toBeCloseTo((expected[i] as { p: number }).p, 4));
    expect(pred?.confidence).toBeCloseTo(Math.exp(logSum / steps), 4);
    model.dispose();
  });

  it('models without a step decoder get the same answer from greedyDecode plus one teacher-forced pass', async () => {
    const model = tinyRecognizer(3);
    const withoutSteps = new Proxy(model, {
      get(target, prop, receiver) {
        if (prop === 'stepDecoder') return undefined;
        const v = Reflect.get(target, prop, receiver) as unknown;
        return typeof v === 'function' ? v.bind(target) : v;
      },
    });
    const imgs = [randomImage(1), randomImage(2)];
    const a = await new LineRecognizer(model).recognize(imgs);
    const b = await new LineRecognizer(withoutSteps).recognize(imgs);
    expect(b.map((p) => p.text)).toEqual(a.map((p) => p.text));
    b.forEach((p, i) => {
      expect(p.confidence).toBeCloseTo(a[i]!.confidence, 4);
      p.chars.forEach((c, j) => expect(c.p).toBeCloseTo(a[i]!.chars[j]!.p, 4));
    });
    model.dispose();
  });

  it('a batch gives the same results as one image at a time; beam width 1 equals greedy', async () => {
    const model = tinyRecognizer(5);
    const lines = new LineRecognizer(model);
    const imgs = [randomImage(11), randomImage(12), randomImage(13)];
    const batch = await lines.recognize(imgs);
    for (let i = 0; i < imgs.length; i++) {
      const [one] = await lines.recognize([imgs[i] as GrayImage]);
      expect(one?.text).toBe(batch[i]?.text);
      expect(one?.confidence).toBeCloseTo(batch[i]?.confidence as number, 4);
    }
    const beam = await lines.recognize(imgs, { decoding: 'beam', beamWidth: 1 });
    expect(beam.map((b) => b.text)).toEqual(batch.map((b) => b.text));
    beam.forEach((b, i) => {
      expect(b.confidence).toBeCloseTo(batch[i]?.confidence as number, 3);
      expect(b.chars.map((c) => c.char).join('')).toBe(b.text);
    });
    model.dispose();
  });

  it('leaves no tensors behind and rejects images of the wrong size', async () => {
    const model = tinyRecognizer(6);
    const lines = new LineRecognizer(model);
    await lines.recognize([randomImage(1)]);
    const before = tf.memory().numTensors;
    await lines.recognize([randomImage(2), randomImage(3)]);
    await lines.recognize([randomImage(4)], { decoding: 'beam', beamWidth: 3 });
    expect(tf.memory().numTensors).toBe(before);
    await expect(lines.recognize([{ data: new Float32Array(10 * 10), height: 10, width: 10 }])).rejects.toThrow(/HTR_ERR_SHAPE_MISMATCH/);
    expect(tf.memory().numTensors).toBe(before);
    model.dispose();
  });
});

describe('combineLines', () => {
  it('joins lines with newlines and weights confidence by length', () => {
    const a = { text: 'ab', confidence: 0.5, chars: [{ char: 'a', p: 0.5 }, { char: 'b', p: 0.5 }] };
    const b = { text: 'c', confidence: 0.8, chars: [{ char: 'c', p: 0.8 }] };
    const out = combineLines([a, b]);
    expect(out.text).toBe('ab\nc');
    expect(out.chars.map((c) => c.char).join('')).toBe('ab\nc');
    expect(out.confidence).toBeCloseTo(Math.exp((3 * Math.log(0.5) + 2 * Math.log(0.8)) / 5), 10);
    expect(combineLines([a]).text).toBe('ab');
  });
});
