import * as tf from '@tensorflow/tfjs-core';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import type { Recognizer } from '../../model_package/models/types.js';
import { linePng, testServer, tinyRecognizer, useCpu } from './helpers.js';

let png: Buffer;
const open: FastifyInstance[] = [];

beforeAll(async () => {
  await useCpu();
  png = await linePng(2);
});
afterEach(async () => {
  await Promise.all(open.splice(0).map((a) => a.close()));
});

/** The tiny model, but beam search takes `delayMs` (a stand-in for a slow model). */
function slowBeam(delayMs: number): Recognizer {
  const inner = tinyRecognizer();
  return new Proxy(inner, {
    get(target, prop, receiver) {
      if (prop === 'beamSearch') {
        return async (...args: Parameters<Recognizer['beamSearch']>) => {
          await new Promise((r) => setTimeout(r, delayMs));
          return target.beamSearch(...args);
        };
      }
      const v = Reflect.get(target, prop, receiver) as unknown;
      return typeof v === 'function' ? v.bind(target) : v;
    },
  });
}

async function server(config: Parameters<typeof testServer>[0], recognizer?: Recognizer): Promise<FastifyInstance> {
  const app = await testServer({ docs: false, ...config }, recognizer);
  open.push(app);
  return app;
}

/** Micro-batches decoded so far, from the Prometheus histogram. */
async function batchCount(app: FastifyInstance): Promise<number> {
  const { values } = await app.metrics.batchSize.get();
  return values.find((v) => v.metricName === 'htr_batch_size_count')?.value ?? 0;
}

const predict = (app: FastifyInstance, query = '', headers: Record<string, string> = {}) =>
  app.inject({ method: 'POST', url: `/v1/predict${query}`, payload: png, headers: { 'content-type': 'image/png', ...headers } });

describe('limits', () => {
  it('API key: required on predict and model info, not on health; header or bearer', async () => {
    const app = await server({ api_key: 's3cret' });
    const none = await predict(app);
    expect(none.statusCode).toBe(401);
    expect(none.json<{ error: { code: string } }>().error.code).toBe('HTR_ERR_UNAUTHORIZED');
    expect((await predict(app, '', { 'x-api-key': 'wrong' })).statusCode).toBe(401);
    expect((await predict(app, '', { 'x-api-key': 's3cret' })).statusCode).toBe(200);
    expect((await predict(app, '', { authorization: 'Bearer s3cret' })).statusCode).toBe(200);
    expect((await app.inject({ url: '/v1/model' })).statusCode).toBe(401);
    expect((await app.inject({ url: '/v1/health' })).statusCode).toBe(200);
    expect((await app.inject({ url: '/v1/ready' })).statusCode).toBe(200);
  });

  it('per-request timeout answers 504 and the server keeps working', async () => {
    const app = await server({ timeout_ms: 800 }, slowBeam(1500));
    const res = await predict(app, '?decoding=beam&beam_width=2');
    expect(res.statusCode).toBe(504);
    expect(res.json<{ error: { code: string; message: string } }>().error.code).toBe('HTR_ERR_TIMEOUT');
    await app.htr.batcher.drain(); // the slow batch still runs to completion
    expect((await predict(app, '', {})).statusCode).toBe(200);
  });

  it('a full queue answers 503 with Retry-After; accepted requests still succeed', async () => {
    const app = await server({ max_queue: 2, max_batch_size: 1, max_wait_ms: 0 }, slowBeam(60));
    const results = await Promise.all(Array.from({ length: 8 }, () => predict(app, '?decoding=beam&beam_width=2')));
    const codes = results.map((r) => r.statusCode);
    expect(codes).toContain(200);
    expect(codes).toContain(503);
    expect(codes.every((c) => c === 200 || c === 503)).toBe(true);
    const refused = results.find((r) => r.statusCode === 503);
    expect(refused?.json<{ error: { code: string } }>().error.code).toBe('HTR_ERR_OVERLOADED');
    expect(Number(refused?.headers['retry-after'])).toBeGreaterThanOrEqual(1);
  });

  it('optional rate limiting answers 429 once a client is over its budget', async () => {
    const app = await server({ rate_limit_max: 2, rate_limit_window_ms: 60_000 });
    const codes: number[] = [];
    for (let i = 0; i < 3; i++) codes.push((await predict(app)).statusCode);
    expect(codes).toEqual([200, 200, 429]);
    const res = await predict(app);
    expect(res.json<{ error: { code: string } }>().error.code).toBe('HTR_ERR_RATE_LIMITED');
    expect((await app.inject({ url: '/v1/health' })).statusCode).toBe(200);
  });

  it('concurrent requests are decoded in shared micro-batches with the same answers', async () => {
    const app = await server({ max_wait_ms: 20, max_batch_size: 8 });
    const images = await Promise.all([1, 2, 3, 4, 5, 6].map((s) => linePng(s)));
    const send = (img: Buffer) => app.inject({ method: 'POST', url: '/v1/predict', payload: img, headers: { 'content-type': 'image/png' } });
    const alone: string[] = [];
    for (const img of images) alone.push((await send(img)).json<{ text: string }>().text);
    const before = await batchCount(app);
    const together = await Promise.all(images.map(send));
    expect(together.map((r) => r.json<{ text: string }>().text)).toEqual(alone);
    // 6 requests, fewer batches.
    expect((await batchCount(app)) - before).toBeLessThan(6);
  });

  it('the tensor count does not grow over 200 requests (greedy, beam, paragraph, errors)', async () => {
    const app = await server({ max_wait_ms: 30, max_batch_size: 32 });
    await predict(app); // warm-up
    const start = tf.memory().numTensors;
    // 8 rounds of 25 concurrent requests: greedy, beam, paragraph and a bad image each round.
    for (let round = 0; round < 8; round++) {
      const batch = Array.from({ length: 25 }, (_, i) => {
        if (i === 0) return app.inject({ method: 'POST', url: '/v1/predict', payload: 'junk', headers: { 'content-type': 'image/png' } });
        return predict(app, i < 3 ? '?decoding=beam&beam_width=2' : i < 5 ? '?mode=paragraph' : '');
      });
      const res = await Promise.all(batch);
      expect(res.filter((r) => r.statusCode === 200)).toHaveLength(24);
    }
    expect(tf.memory().numTensors).toBe(start);
  });

  it('graceful shutdown finishes in-flight requests, then frees the model', async () => {
    const app = await testServer({ docs: false }, slowBeam(150));
    await app.listen({ host: '127.0.0.1', port: 0 });
    const address = app.server.address();
    if (typeof address !== 'object' || !address) throw new Error('no address');
    const url = `http://127.0.0.1:${address.port}/v1/predict?decoding=beam&beam_width=2`;
    const inflight = fetch(url, { method: 'POST', body: new Uint8Array(png), headers: { 'content-type': 'image/png' } });
    while (app.htr.activeRequests === 0) await new Promise((r) => setTimeout(r, 2)); // in the handler now
    const tensorsBefore = tf.memory().numTensors;
    await app.close();
    const res = await inflight;
    expect(res.status).toBe(200);
    expect(((await res.json()) as { text: string }).text).toEqual(expect.any(String));
    expect(tf.memory().numTensors).toBeLessThan(tensorsBefore); // weights disposed after the drain
    await expect(fetch(url, { method: 'POST', body: new Uint8Array(png), headers: { 'content-type': 'image/png' } })).rejects.toThrow();
  });
});
