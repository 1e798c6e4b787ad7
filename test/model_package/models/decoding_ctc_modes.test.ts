/** The CTC decode modes through the registry: shapes, agreement with the pure decoders, no leaks. */
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { ResnetTransformer, ResnetTransformerConfig } from '../../../model_package/models/resnet_transformer.js';
import { decode, resolveDecoding, supportedModes } from '../../../model_package/models/decoding/index.js';
import { ctcGreedy } from '../../../model_package/models/ctc/index.js';
import { buildMapping } from '../../../model_package/core/tokenizer.js';
import type { DataConfig } from '../../../model_package/core/data_types.js';
import { expectNoTensorLeak, useCpuBackend } from '../../helpers/tf.js';

beforeAll(useCpuBackend);

const DATA: DataConfig = { inputDims: [1, 16, 128], outputDims: [8], mapping: buildMapping('abcde ') };
const SMALL = { stem_kernel: 3, stem_channels: 4, tf_dim: 16, tf_fc_dim: 32, tf_nhead: 2, tf_layers: 1, stages: [{ channels: 8, stride: 2 }, { channels: 16, stride: [2, 1] }] };
const build = (ctc: number) => new ResnetTransformer(ResnetTransformerConfig.parse({ ...SMALL, ctc_weight: ctc, seed: 2 }), DATA);

describe('CTC decode modes', () => {
  const model = build(0.5);
  const plain = build(0);
  model.train(false);
  const x = tf.randomUniform([2, 16, 64, 1], 0, 1, 'float32', 3) as tf.Tensor4D;

  it('auto picks ctc_greedy with a CTC head and greedy without; CTC modes need the head', async () => {
    expect(resolveDecoding(model, 'auto')).toBe('ctc_greedy');
    expect(resolveDecoding(plain, 'auto')).toBe('greedy');
    expect(supportedModes(plain)).toEqual(['greedy', 'beam']);
    expect(supportedModes(model)).toEqual(['greedy', 'beam', 'ctc_greedy', 'ctc_beam', 'joint']);
    await expect(decode(plain, x, 'ctc_greedy', { beamWidth: 2 })).rejects.toThrow(/HTR_ERR_CONFIG_INVALID.*no CTC head/);
  });

  it('ctc_greedy is the best path of the CTC head over each row\'s own frames', async () => {
    const widths = [64, 40];
    const hyps = await decode(model, x, 'ctc_greedy', { beamWidth: 1, widths });
    const lp = tf.tidy(() => tf.logSoftmax(model.ctcLogits(x), -1));
    const [, T, V] = lp.shape;
    const data = lp.dataSync() as Float32Array;
    lp.dispose();
    widths.forEach((w, b) => {
      const want = ctcGreedy(data.subarray(b * T * V, (b + 1) * T * V), model.ctcFrames(w), V);
      expect(hyps[b]).toEqual(want);
    });
  });

  it('every mode gives one hypothesis per row with a probability per token, and leaks no tensor', async () => {
    tf.dispose(model.greedyDecode(x, { maxLength: 2 })); // folds the decoder, which the model keeps
    for (const mode of supportedModes(model)) {
      const hyps = await expectNoTensorLeak(() => decode(model, x, mode, { beamWidth: 3, widths: [64, 64] }), mode);
      expect(hyps, mode).toHaveLength(2);
      for (const h of hyps) {
        expect(h.charProbs.length, mode).toBe(h.tokens.length);
        expect(h.confidence, mode).toBeGreaterThan(0);
        expect(h.confidence, mode).toBeLessThanOrEqual(1);
        // CTC's blank (token 0) is never part of a transcription.
        expect(h.tokens.includes(0), mode).toBe(false);
      }
    }
  });
});
