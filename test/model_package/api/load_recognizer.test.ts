import { readFileSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { loadRecognizer } from '../../../model_package/api/node.js';
import { isHtrError } from '../../../model_package/errors.js';
import { Predictor } from '../../../model_package/inference/predictor.js';
import { loadRecognizerFromCheckpoint } from '../../../model_package/checkpoint/checkpoint.js';

const CKPT = 'models/demo/demo.ckpt';
const SAMPLE = 'models/demo/sample_line.png';
/** What the README's curl example says the demo model reads in its sample line (a held-out font). */
const README_ANSWER = 'servants are to be in the';

describe('loadRecognizer (Node)', () => {
  it('reads a path, bytes or a file: URL alike, and agrees with the Predictor the server uses', async () => {
    const fromPath = await loadRecognizer(CKPT);
    const fromBytes = await loadRecognizer(new Uint8Array(readFileSync(CKPT)));
    const fromUrl = await loadRecognizer(new URL(`file://${process.cwd()}/${CKPT}`));
    const a = await fromPath.recognize(SAMPLE);
    expect(a.text).toBe(README_ANSWER);
    expect(await fromBytes.recognize(readFileSync(SAMPLE))).toEqual(a);
    expect(await fromUrl.recognize(new Uint8Array(readFileSync(SAMPLE)))).toEqual(a);
    expect([...a.text].length).toBe(a.chars.length);
    expect(a.chars.map((c) => c.char).join('')).toBe(a.text);
    const predictor = new Predictor(await loadRecognizerFromCheckpoint(CKPT));
    const served = await predictor.predict(SAMPLE);
    expect({ text: a.text, confidence: a.confidence }).toEqual({ text: served.text, confidence: served.confidence });
    predictor.recognizer.dispose();
    fromBytes.dispose();
    fromUrl.dispose();

    const { info } = fromPath;
    expect(info.height).toBe(32);
    expect(info.decodeModes).toContain('greedy');
    expect(info.decodeModes).toContain(info.autoDecoding);
    // No tensor outlives a call (after the first attention decode, which folds the decoder for
    // the recognizer to keep).
    expect((await fromPath.recognize(SAMPLE, { decoding: 'joint' })).text).toBe(README_ANSWER);
    const before = tf.memory().numTensors;
    await fromPath.recognize(SAMPLE, { decoding: 'beam', beamWidth: 3 });
    expect(tf.memory().numTensors).toBe(before);
    fromPath.dispose();
    await expect(fromPath.recognize(SAMPLE)).rejects.toThrow(/disposed/);
  });

  it('names what is wrong: a missing model, an unknown decoding, an unreadable image', async () => {
    await expect(loadRecognizer('nope/missing.ckpt')).rejects.toSatisfy((e: unknown) => isHtrError(e, 'HTR_ERR_MISSING_FILE'));
    await expect(loadRecognizer(new Uint8Array([1, 2, 3]))).rejects.toSatisfy((e: unknown) => isHtrError(e, 'HTR_ERR_BAD_CHECKPOINT'));
    const r = await loadRecognizer(CKPT);
    await expect(r.recognize(SAMPLE, { decoding: 'nonsense' as 'auto' })).rejects.toSatisfy((e: unknown) => isHtrError(e, 'HTR_ERR_BAD_REQUEST') && /nonsense/.test(e.message));
    await expect(r.recognize(new Uint8Array([9, 9, 9]))).rejects.toSatisfy((e: unknown) => isHtrError(e, 'HTR_ERR_BAD_IMAGE'));
    r.dispose();
  });
});
