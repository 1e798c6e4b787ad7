/** The optional CTC head: frames per width, one encoder pass for both heads, same other weights. */
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { ResnetTransformer, ResnetTransformerConfig } from '../../../model_package/models/resnet_transformer.js';
import { buildMapping } from '../../../model_package/core/tokenizer.js';
import type { DataConfig } from '../../../model_package/core/data_types.js';
import { expectNoTensorLeak, snapshot, useCpuBackend } from '../../helpers/tf.js';

beforeAll(useCpuBackend);

const DATA: DataConfig = { inputDims: [1, 16, 128], outputDims: [8], mapping: buildMapping('abcdef ') };
const SMALL = {
  stem_kernel: 3, stem_channels: 4, tf_dim: 16, tf_fc_dim: 32, tf_nhead: 2, tf_layers: 1,
  stages: [{ channels: 8, stride: 2 }, { channels: 16, stride: [2, 1] }],
};
const build = (extra: Record<string, unknown>) => new ResnetTransformer(ResnetTransformerConfig.parse({ ...SMALL, ...extra }), DATA);

describe('CTC head', () => {
  it('is absent at ctc_weight 0 (the reference model) and adds only ctc_* weights otherwise', () => {
    const plain = build({ seed: 3 });
    const joint = build({ seed: 3, ctc_weight: 0.5 });
    expect(plain.ctcWeight).toBe(0);
    expect(joint.ctcWeight).toBe(0.5);
    const a = snapshot(plain);
    const b = snapshot(joint);
    const extra = [...b.keys()].filter((k) => !a.has(k));
    expect(extra.length).toBeGreaterThan(0);
    expect(extra.every((k) => k.startsWith('ctc_'))).toBe(true);
    for (const [k, v] of a) expect(Array.from(b.get(k)!), k).toEqual(Array.from(v));
    expect(() => plain.ctcLogits(tf.zeros([1, 16, 128, 1]) as tf.Tensor4D)).toThrow(/no CTC head/);
    plain.dispose();
    joint.dispose();
  });

  it('gives one frame per encoder column (width stride 2 here), at any batch width', async () => {
    const m = build({ ctc_weight: 0.5, ctc_context_layers: 1 });
    m.train(false);
    tf.tidy(() => m.ctcLogits(tf.zeros([1, 16, 32, 1]))); // folds each BatchNorm into its conv (kept by the model)
    for (const width of [32, 64, 128]) {
      const x = tf.randomUniform([2, 16, width, 1]) as tf.Tensor4D;
      const shape = await expectNoTensorLeak(() => {
        const logits = m.ctcLogits(x);
        logits.dispose();
        return logits.shape;
      }, 'ctcLogits');
      expect(shape).toEqual([2, m.ctcFrames(width), DATA.mapping.length]);
      expect(m.ctcFrames(width)).toBe(width / 2);
      x.dispose();
    }
    m.dispose();
  });

  it('jointLogits equals the separate passes (one encoder pass serves both heads)', () => {
    const m = build({ ctc_weight: 0.3 });
    m.train(false);
    const x = tf.randomUniform([2, 16, 64, 1], 0, 1, 'float32', 7) as tf.Tensor4D;
    const yIn = tf.tensor2d([[1, 4, 5, 6], [1, 7, 2, 3]], [2, 4], 'int32');
    const joint = m.jointLogits(x, yIn);
    const ctc = m.ctcLogits(x);
    const ce = m.logits(x, yIn);
    expect(tf.tidy(() => tf.max(tf.abs(tf.sub(joint.ctcLogits, ctc))).dataSync()[0])).toBeLessThan(1e-5);
    expect(tf.tidy(() => tf.max(tf.abs(tf.sub(joint.logits, ce))).dataSync()[0])).toBeLessThan(1e-5);
    tf.dispose([x, yIn, joint.logits, joint.ctcLogits, ctc, ce]);
    m.dispose();
  });
});
