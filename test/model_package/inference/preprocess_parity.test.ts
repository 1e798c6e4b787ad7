/**
 * Training and serving must feed the model the same tensor for the same image.
 * Training side: the SyntheticLines dataset and the IAM-style path (decodeGray ->
 * resizeGray -> toFloatCanvas). Serving side: the tensor that reaches the model
 * through POST /v1/predict.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import type * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SyntheticLines, SyntheticLinesConfig } from '../../../model_package/data/synthetic/synthetic_lines.js';
import { decodeGray, resizeGray, toFloatCanvas } from '../../../model_package/preprocess/line_image.js';
import type { Recognizer } from '../../../model_package/models/types.js';
import { buildServer } from '../../../serving/app.js';
import type { FastifyInstance } from 'fastify';
import { getModelEntry } from '../../../model_package/models/registry.js';
import { TINY_MODEL, linePng, useCpu } from '../../serving/helpers.js';

let dir: string;
beforeAll(async () => {
  await useCpu();
  dir = mkdtempSync(join(tmpdir(), 'htr-parity-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A server whose model records every input tensor it is given. */
async function recordingServer(dataConfig: Recognizer['dataConfig']): Promise<{ app: FastifyInstance; seen: Float32Array[] }> {
  const entry = getModelEntry('ResnetTransformer');
  const model = entry.create(entry.schema.parse(TINY_MODEL), dataConfig);
  const seen: Float32Array[] = [];
  const spy = new Proxy(model, {
    get(target, prop, receiver) {
      // Whichever entry point decoding uses, record the input it receives.
      if (prop === 'greedyDecode' || prop === 'stepDecoder') {
        const fn = (target[prop] as (...a: unknown[]) => unknown).bind(target);
        return (x: tf.Tensor4D, ...rest: unknown[]) => {
          seen.push(Float32Array.from(x.dataSync()));
          return fn(x, ...rest);
        };
      }
      const v = Reflect.get(target, prop, receiver) as unknown;
      return typeof v === 'function' ? v.bind(target) : v;
    },
  });
  const app = await buildServer({ loadModel: async () => ({ recognizer: spy, name: 'spy' }), config: { docs: false, max_wait_ms: 0 } });
  await app.htr.whenLoaded();
  return { app, seen };
}

async function serveTensor(app: FastifyInstance, seen: Float32Array[], png: Buffer): Promise<Float32Array> {
  const res = await app.inject({ method: 'POST', url: '/v1/predict', payload: png, headers: { 'content-type': 'image/png' } });
  expect(res.statusCode).toBe(200);
  return seen.pop() as Float32Array;
}

describe('training and serving preprocess identically', () => {
  it('a SyntheticLines sample saved as PNG reaches the model as the very tensor training uses', async () => {
    const cfg = SyntheticLinesConfig.parse({ num_train: 1, num_val: 3, num_test: 1, num_workers: 0, processed_dir: join(dir, 'processed'), seed: 4 });
    const data = new SyntheticLines(cfg);
    await data.setup('fit');
    const { app, seen } = await recordingServer(data.dataConfig());
    try {
      // The exact batch tensor training builds (validation split: no augmentation).
      const rendered = data.renderedLines('val');
      const size = cfg.height * cfg.max_width;
      let i = 0;
      for await (const batch of data.valDataloader()) {
        for (let b = 0; b < batch.batchSize; b++, i++) {
          const line = rendered[i]!;
          expect(batch.texts[b]).toBe(line.text);
          const png = await sharp(Buffer.from(line.image.data), { raw: { width: line.image.width, height: line.image.height, channels: 1 } }).png().toBuffer();
          const training = batch.x.subarray(b * size, (b + 1) * size);
          const served = await serveTensor(app, seen, png);
          expect(served.length).toBe(training.length);
          expect(Buffer.from(served.buffer).equals(Buffer.from(training.slice().buffer))).toBe(true);
        }
      }
      expect(i).toBe(3);
    } finally {
      await app.close();
    }
  });

  it('an image of another size (IAM-style crop): decodeGray -> resizeGray -> toFloatCanvas equals the served tensor', async () => {
    const dataConfig = { inputDims: [1, 28, 256] as const, outputDims: [12] as const, mapping: (await import('../../../model_package/core/tokenizer.js')).buildMapping('abc') };
    const { app, seen } = await recordingServer(dataConfig);
    try {
      for (const [w, h] of [[300, 60], [900, 40], [50, 28]] as const) {
        const png = await linePng(w + h, w, h);
        const file = join(dir, `crop_${w}x${h}.png`);
        await sharp(png).toFile(file);
        const gray = await decodeGray(file);
        const training = toFloatCanvas(await resizeGray(gray, 28, 256), 256, true);
        const served = await serveTensor(app, seen, png);
        expect(Buffer.from(served.buffer).equals(Buffer.from(training.data.buffer)), `${w}x${h}`).toBe(true);
      }
    } finally {
      await app.close();
    }
  });
});
