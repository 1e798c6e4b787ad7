import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { buildServer } from '../../serving/app.js';
import type { LoadedModel } from '../../serving/plugins/model.js';
import { linePng, testServer, tinyRecognizer, useCpu } from './helpers.js';

let app: FastifyInstance;
let png: Buffer;

beforeAll(async () => {
  await useCpu();
  app = await testServer();
  png = await linePng(9);
});
afterAll(async () => app.close());

describe('health, readiness and model info', () => {
  it('GET /v1/health answers ok', async () => {
    const res = await app.inject({ url: '/v1/health' });
    expect(res.statusCode).toBe(200);
    expect(res.json<{ status: string }>().status).toBe('ok');
  });

  it('GET /v1/ready is 503 while the model loads and 200 after', async () => {
    let release: (m: LoadedModel) => void = () => {};
    const pending = new Promise<LoadedModel>((resolve) => (release = resolve));
    const slow = await buildServer({ loadModel: () => pending, config: { docs: false } });
    await slow.ready();
    try {
      const before = await slow.inject({ url: '/v1/ready' });
      expect(before.statusCode).toBe(503);
      expect(before.json<{ error: { code: string } }>().error.code).toBe('HTR_ERR_NOT_READY');
      expect(before.headers['retry-after']).toBe('1');
      const predict = await slow.inject({ method: 'POST', url: '/v1/predict', payload: png, headers: { 'content-type': 'image/png' } });
      expect(predict.statusCode).toBe(503);
      expect((await slow.inject({ url: '/v1/health' })).statusCode).toBe(200);
      release({ recognizer: tinyRecognizer(), name: 'late' });
      await slow.htr.whenLoaded();
      const after = await slow.inject({ url: '/v1/ready' });
      expect(after.statusCode).toBe(200);
      expect(after.json<{ model: string }>().model).toBe('late');
    } finally {
      await slow.close();
    }
  });

  it('warms up before it is ready: two blank single-line recognitions, the lines a short request sends', async () => {
    const recognizer = tinyRecognizer();
    const seen: number[][] = [];
    // Whatever the default decoding reads first: the image memory, or the CTC head's logits.
    const ctc = recognizer.ctcLogits?.bind(recognizer);
    const stepDecoder = recognizer.stepDecoder!.bind(recognizer);
    recognizer.stepDecoder = (x, repeat, useCache) => (seen.push(x.shape), stepDecoder(x, repeat, useCache));
    if (ctc) recognizer.ctcLogits = (x) => (seen.push(x.shape), ctc(x));
    const app = await buildServer({ config: {}, loadModel: async () => ({ recognizer, name: 't', config: {}, metadata: {} }) });
    try {
      await app.ready();
      await app.htr.whenLoaded();
      const [, height, width] = recognizer.dataConfig.inputDims;
      expect(seen).toEqual([[1, height, Math.min(width!, 256), 1], [1, height, Math.min(width!, 256), 1]]);
      expect((await app.inject({ url: '/v1/ready' })).statusCode).toBe(200);
    } finally {
      await app.close();
    }
  });

  it('GET /v1/ready reports a model that failed to load', async () => {
    const broken = await buildServer({ loadModel: async () => Promise.reject(new Error('checkpoint is corrupt')), config: { docs: false } });
    await broken.ready();
    await broken.htr.whenLoaded();
    const res = await broken.inject({ url: '/v1/ready' });
    expect(res.statusCode).toBe(500);
    expect(res.json<{ error: { message: string } }>().error.message).toMatch(/checkpoint is corrupt/);
    await broken.close();
  });

  it('GET /v1/model describes config, vocabulary, parameters and checkpoint metadata', async () => {
    const res = await app.inject({ url: '/v1/model' });
    expect(res.statusCode).toBe(200);
    const body = res.json<{ name: string; parameters: number; vocabulary: string[]; input_dims: number[]; max_seq_length: number; config: unknown; metadata: unknown }>();
    expect(body.name).toBe('tiny-random');
    expect(body.parameters).toBe(app.htr.loaded?.recognizer.numParameters());
    expect(body.parameters).toBeGreaterThan(0);
    expect(body.vocabulary.slice(0, 4)).toEqual(['<B>', '<S>', '<E>', '<P>']);
    expect(body.vocabulary).toContain('a');
    expect(body.input_dims).toEqual([1, 16, 256]);
    expect(body.max_seq_length).toBe(10);
    expect(body.config).toEqual({ model: { name: 'test' } });
    expect(body.metadata).toEqual({ step: 0 });
  });
});

describe('metrics and docs', () => {
  it('GET /metrics counts requests and records latency and batch sizes in Prometheus format', async () => {
    for (let i = 0; i < 3; i++) {
      const r = await app.inject({ method: 'POST', url: '/v1/predict', payload: png, headers: { 'content-type': 'image/png' } });
      expect(r.statusCode).toBe(200);
    }
    await app.inject({ method: 'POST', url: '/v1/predict', payload: 'x', headers: { 'content-type': 'image/png' } });
    const res = await app.inject({ url: '/metrics' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/plain/);
    const text = res.body;
    expect(text).toMatch(/^# TYPE htr_http_requests_total counter$/m);
    const count = (status: string): number =>
      Number(new RegExp(`^htr_http_requests_total\\{method="POST",route="/v1/predict",status="${status}"\\} (\\d+)$`, 'm').exec(text)?.[1] ?? 0);
    expect(count('200')).toBeGreaterThanOrEqual(3);
    expect(count('400')).toBeGreaterThanOrEqual(1);
    expect(text).toMatch(/^htr_http_request_duration_seconds_bucket\{le="\+Inf",route="\/v1\/predict"\} \d+$/m);
    const batches = Number(/^htr_batch_size_count (\d+)$/m.exec(text)?.[1]);
    expect(batches).toBeGreaterThanOrEqual(3);
    expect(text).toMatch(/^htr_model_loaded 1$/m);
    expect(text).toMatch(/^htr_tf_tensors \d+$/m);
    // Process metrics (bench/serve_load.ts reads the resident memory).
    expect(text).toMatch(/^process_resident_memory_bytes \d+$/m);
    expect(text).toMatch(/^nodejs_eventloop_lag_seconds [\d.e-]+$/m);
  });

  it('serves OpenAPI docs listing the predict route and its options', async () => {
    const ui = await app.inject({ url: '/docs' });
    expect([200, 302]).toContain(ui.statusCode);
    const spec = await app.inject({ url: '/docs/json' });
    expect(spec.statusCode).toBe(200);
    const doc = spec.json<{ openapi: string; paths: Record<string, Record<string, { parameters?: Array<{ name: string }> }>> }>();
    expect(doc.openapi).toMatch(/^3\./);
    expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining(['/v1/predict', '/v1/health', '/v1/ready', '/v1/model', '/metrics']));
    const params = doc.paths['/v1/predict']?.post?.parameters?.map((p) => p.name);
    expect(params).toEqual(expect.arrayContaining(['decoding', 'beam_width', 'mode']));
  });

  it('serves the demo page and its script without external resources', async () => {
    const page = await app.inject({ url: '/' });
    expect(page.statusCode).toBe(200);
    expect(page.headers['content-type']).toMatch(/text\/html/);
    expect(page.body).toContain('<canvas');
    expect(page.body).not.toMatch(/https?:\/\//);
    const js = await app.inject({ url: '/demo.js' });
    expect(js.statusCode).toBe(200);
    expect(js.body).toContain('/v1/predict');
  });

  it('serves what it shares with the static demo from that demo\'s sources in web/', async () => {
    for (const [url, type] of [['/demo.css', /text\/css/], ['/shading.js', /text\/javascript/], ['/drawing_pad.js', /text\/javascript/]] as const) {
      const res = await app.inject({ url });
      expect(res.statusCode, url).toBe(200);
      expect(res.headers['content-type']).toMatch(type);
      expect(res.body).toBe(readFileSync(`web${url}`, 'utf8'));
    }
  });
});
