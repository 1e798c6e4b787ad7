/**
 * Shared fixtures for serving tests: a small seeded recognizer with random
 * weights, synthetic line images as real PNG bytes, and a server around them.
 */
import sharp from 'sharp';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import type { FastifyInstance } from 'fastify';
import type { z } from 'zod';
import { buildMapping, DEFAULT_CHARACTERS } from '../../model_package/core/tokenizer.js';
import type { DataConfig } from '../../model_package/core/data_types.js';
import type { Recognizer } from '../../model_package/models/types.js';
import { Rng } from '../../model_package/core/rng.js';
import { buildServer } from '../../serving/app.js';
import type { ServerConfig } from '../../serving/config.js';
import { getModelEntry } from '../../model_package/models/registry.js';
export { bilevelPng } from '../../bench/lib/bilevel_png.js';

export const TEST_DATA_CONFIG: DataConfig = {
  inputDims: [1, 16, 256],
  outputDims: [10],
  mapping: buildMapping(DEFAULT_CHARACTERS),
};

export async function useCpu(): Promise<void> {
  await tf.setBackend('cpu');
  await tf.ready();
}

/** A tiny model with seeded random weights: its outputs are arbitrary but deterministic. */
export const TINY_MODEL = {
  stem_channels: 8,
  stages: [
    { channels: 8, stride: 2, blocks: 1 },
    { channels: 16, stride: 2, blocks: 1 },
    { channels: 16, stride: 2, blocks: 1 },
  ],
  tf_dim: 32,
  tf_fc_dim: 64,
  tf_nhead: 2,
  tf_layers: 1,
};

export function tinyRecognizer(seed = 7): Recognizer {
  const entry = getModelEntry('ResnetTransformer');
  return entry.create(entry.schema.parse({ ...TINY_MODEL, seed }), TEST_DATA_CONFIG);
}

/** Dark random strokes on white paper, like a scanned line; PNG bytes. */
export async function linePng(seed = 1, width = 256, height = 28, format: 'png' | 'jpeg' | 'webp' | 'tiff' = 'png'): Promise<Buffer> {
  const rng = new Rng(seed);
  const px = new Uint8Array(width * height).fill(255);
  for (let s = 0; s < Math.max(3, width / 12); s++) {
    let x = rng.uniform(0, width);
    let y = rng.uniform(height * 0.25, height * 0.75);
    for (let k = 0; k < 20; k++) {
      x += rng.uniform(-1.5, 2);
      y += rng.uniform(-1.5, 1.5);
      const xi = Math.round(x);
      const yi = Math.round(y);
      if (xi >= 0 && xi < width && yi >= 0 && yi < height) px[yi * width + xi] = 20;
    }
  }
  return sharp(Buffer.from(px), { raw: { width, height, channels: 1 } }).toFormat(format).toBuffer();
}

export async function testServer(config: z.input<typeof ServerConfig> = {}, recognizer: Recognizer = tinyRecognizer()): Promise<FastifyInstance> {
  const app = await buildServer({
    config: { max_wait_ms: 2, ...config },
    loadModel: async () => ({ recognizer, name: 'tiny-random', config: { model: { name: 'test' } }, metadata: { step: 0 } }),
  });
  await app.ready();
  await app.htr.whenLoaded();
  return app;
}

/** Saves the tiny model as a real checkpoint file (what `run_experiment fit` writes). */
export async function tinyCheckpoint(file: string, seed = 7): Promise<void> {
  const { saveCheckpoint } = await import('../../model_package/checkpoint/checkpoint.js');
  const model = tinyRecognizer(seed);
  try {
    await saveCheckpoint(file, {
      model,
      state: {
        epoch: 3,
        globalStep: 120,
        resume: { epoch: 4, batch: 0 },
        rngState: 1,
        scheduler: { name: 'none', step: 120 },
        optimizer: null,
        metrics: { 'val/cer': 0.5 },
        callbacks: {},
      },
      config: { model: { name: 'ResnetTransformer', ...TINY_MODEL, seed }, data: { name: 'SyntheticLines' } },
      dataConfig: TEST_DATA_CONFIG,
    });
  } finally {
    model.dispose();
  }
}

/** Dark bars of `barHeight` rows separated by white gaps: paragraph mode finds `lines` lines. */
export async function stripedPng(lines: number, width = 96, barHeight = 8, gap = 10): Promise<Buffer> {
  const height = lines * (barHeight + gap) + gap;
  const px = new Uint8Array(width * height).fill(255);
  for (let l = 0; l < lines; l++) {
    const top = gap + l * (barHeight + gap);
    for (let r = top; r < top + barHeight; r++) for (let c = 4; c < width - 4; c += 1 + (c % 3)) px[r * width + c] = 0;
  }
  return sharp(Buffer.from(px), { raw: { width, height, channels: 1 } }).png().toBuffer();
}
