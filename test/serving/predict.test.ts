import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { linePng, testServer, useCpu } from './helpers.js';

let app: FastifyInstance;
let png: Buffer;

beforeAll(async () => {
  await useCpu();
  app = await testServer();
  png = await linePng(3);
});
afterAll(async () => app.close());

interface Prediction {
  text: string;
  confidence: number;
  chars: Array<{ char: string; p: number }>;
  model: string;
  latency_ms: number;
  lines?: Array<{ text: string }>;
}

function multipart(file: Buffer, fields: Record<string, string> = {}): { payload: Buffer; headers: Record<string, string> } {
  const boundary = '----htrtestboundary';
  const parts: Buffer[] = [];
  for (const [k, v] of Object.entries(fields)) {
    parts.push(Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${k}"\r\n\r\n${v}\r\n`));
  }
  parts.push(Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="image"; filename="line.png"\r\nContent-Type: image/png\r\n\r\n`), file, Buffer.from(`\r\n--${boundary}--\r\n`));
  return { payload: Buffer.concat(parts), headers: { 'content-type': `multipart/form-data; boundary=${boundary}` } };
}

describe('POST /v1/predict', () => {
  it('answers a raw PNG body with text, confidence, per-char probabilities, model and latency', async () => {
    const res = await app.inject({ method: 'POST', url: '/v1/predict', payload: png, headers: { 'content-type': 'image/png' } });
    expect(res.statusCode).toBe(200);
    const body = res.json<Prediction>();
    expect(typeof body.text).toBe('string');
    expect(body.chars.map((c) => c.char).join('')).toBe(body.text);
    for (const c of body.chars) expect(c.p).toBeGreaterThan(0);
    for (const c of body.chars) expect(c.p).toBeLessThanOrEqual(1);
    expect(body.confidence).toBeGreaterThan(0);
    expect(body.confidence).toBeLessThanOrEqual(1);
    expect(body.model).toBe('tiny-random');
    expect(body.latency_ms).toBeGreaterThan(0);
    expect(body.lines).toBeUndefined();
  });

  it('gives the same answer for multipart, raw and JSON data-URL bodies', async () => {
    const raw = (await app.inject({ method: 'POST', url: '/v1/predict', payload: png, headers: { 'content-type': 'image/png' } })).json<Prediction>();
    const mp = await app.inject({ method: 'POST', url: '/v1/predict', ...multipart(png) });
    expect(mp.statusCode).toBe(200);
    const json = await app.inject({ method: 'POST', url: '/v1/predict', payload: { image: `data:image/png;base64,${png.toString('base64')}` } });
    expect(json.statusCode).toBe(200);
    for (const other of [mp.json<Prediction>(), json.json<Prediction>()]) {
      expect(other.text).toBe(raw.text);
      expect(other.confidence).toBeCloseTo(raw.confidence, 5);
    }
  });

  it('accepts JPEG, WebP and TIFF bodies', async () => {
    for (const format of ['jpeg', 'webp', 'tiff'] as const) {
      const bytes = await linePng(5, 256, 28, format);
      const res = await app.inject({ method: 'POST', url: '/v1/predict', payload: bytes, headers: { 'content-type': `image/${format}` } });
      expect(res.statusCode, format).toBe(200);
    }
  });

  it('reads options from the query, JSON fields and multipart fields', async () => {
    const q = await app.inject({ method: 'POST', url: '/v1/predict?decoding=beam&beam_width=3', payload: png, headers: { 'content-type': 'image/png' } });
    expect(q.statusCode).toBe(200);
    const j = await app.inject({ method: 'POST', url: '/v1/predict', payload: { image: png.toString('base64'), decoding: 'beam', beam_width: 3 } });
    expect(j.statusCode).toBe(200);
    expect(j.json<Prediction>().text).toBe(q.json<Prediction>().text);
    const m = await app.inject({ method: 'POST', url: '/v1/predict', ...multipart(png, { decoding: 'beam', beam_width: '3' }) });
    expect(m.statusCode).toBe(200);
    expect(m.json<Prediction>().text).toBe(q.json<Prediction>().text);
  });

  it('paragraph mode cuts the image into lines and answers per line', async () => {
    const sharp = (await import('sharp')).default;
    const a = await linePng(11, 256, 28);
    const b = await linePng(12, 256, 28);
    const page = await sharp({ create: { width: 300, height: 110, channels: 3, background: '#ffffff' } })
      .composite([
        { input: a, left: 20, top: 10 },
        { input: b, left: 20, top: 70 },
      ])
      .png()
      .toBuffer();
    const res = await app.inject({ method: 'POST', url: '/v1/predict?mode=paragraph', payload: page, headers: { 'content-type': 'image/png' } });
    expect(res.statusCode).toBe(200);
    const body = res.json<Required<Prediction>>();
    expect(body.lines).toHaveLength(2);
    expect(body.text).toBe(body.lines.map((l) => l.text).join('\n'));
  });
});
