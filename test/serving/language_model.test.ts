/** The server with a character language model (--lm): used by ctc_beam, not by ctc_greedy, shown on /v1/model. */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildServer } from '../../serving/app.js';
import { checkpointLoader } from '../../serving/load_model.js';
import { readCheckpoint } from '../../model_package/checkpoint/checkpoint.js';
import { buildMapping } from '../../model_package/core/tokenizer.js';
import { CharNgramLm, saveLanguageModel } from '../../model_package/lm/index.js';
import { useCpu } from './helpers.js';

const DEMO = 'models/demo/demo.ckpt';
const SAMPLE = readFileSync('models/demo/sample_line.png');
let dir: string;
let misleading: string;
let otherVocabulary: string;

beforeAll(async () => {
  await useCpu();
  dir = mkdtempSync(join(tmpdir(), 'htr-serve-lm-'));
  const mapping = (await readCheckpoint(DEMO)).dataConfig.mapping;
  // A model of a "language" that only ever writes x: with a large weight it must change what ctc_beam reads.
  misleading = join(dir, 'xxx.json');
  await saveLanguageModel(misleading, CharNgramLm.build(['xxxx xxxx', 'xx xxx xx', 'xxxxxxx'], mapping, 3));
  otherVocabulary = join(dir, 'other.json');
  await saveLanguageModel(otherVocabulary, CharNgramLm.build(['ab'], buildMapping('ab'), 2));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function read(app: Awaited<ReturnType<typeof buildServer>>, decoding: string): Promise<string> {
  const res = await app.inject({ method: 'POST', url: `/v1/predict?decoding=${decoding}`, payload: SAMPLE, headers: { 'content-type': 'image/png' } });
  expect(res.statusCode, res.body).toBe(200);
  return res.json<{ text: string }>().text;
}

describe('serving with a language model', () => {
  it('fuses it into ctc_beam only, and reports it on /v1/model', async () => {
    const plain = await buildServer({ loadModel: checkpointLoader(DEMO), config: { docs: false } });
    const fused = await buildServer({ loadModel: checkpointLoader(DEMO, { lm: misleading, lm_weight: 3, lm_bonus: 0 }), config: { docs: false } });
    try {
      await Promise.all([plain.htr.whenLoaded(), fused.htr.whenLoaded()]);
      expect(await read(fused, 'ctc_greedy')).toBe(await read(plain, 'ctc_greedy'));
      const withLm = await read(fused, 'ctc_beam');
      const without = await read(plain, 'ctc_beam');
      expect(withLm).not.toBe(without);
      // Pulled towards the language model's "language" (x and spaces). The beam never considers a character whose
      // frame log-probability is below -10, so a confident model may not write x itself, but more of its reading is.
      const share = (text: string) => [...text].filter((c) => c === 'x' || c === ' ').length / Math.max(text.length, 1);
      expect(share(withLm), `${JSON.stringify(withLm)} against ${JSON.stringify(without)}`).toBeGreaterThan(share(without));
      const info = (await fused.inject({ url: '/v1/model' })).json<{ language_model: Record<string, unknown> }>();
      expect(info.language_model).toMatchObject({ file: misleading, order: 3, lines: 3, weight: 3, bonus: 0 });
      expect((await plain.inject({ url: '/v1/model' })).json<{ language_model: unknown }>().language_model).toBeNull();
    } finally {
      await Promise.all([plain.close(), fused.close()]);
    }
  });

  it('a language model of another vocabulary leaves the server not ready, naming the file', async () => {
    const app = await buildServer({ loadModel: checkpointLoader(DEMO, { lm: otherVocabulary, lm_weight: 0.5, lm_bonus: 1 }), config: { docs: false } });
    await app.htr.whenLoaded();
    const res = await app.inject({ url: '/v1/ready' });
    expect(res.statusCode).toBe(500);
    expect(res.json<{ error: { message: string } }>().error.message).toMatch(/other\.json.*not the model's/);
    await app.close();
  });
});
