/**
 * Hostile-input regressions for the server (issue cases 1-4, 7-9, 15, 16): each
 * gets a 4xx with a named HTR_ERR_* code in the usual JSON shape, and the server
 * is still ready afterwards.
 */
import { connect, type Socket } from 'node:net';
import sharp from 'sharp';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance, InjectOptions } from 'fastify';
import type { Recognizer } from '../../model_package/models/types.js';
import { segmentLines } from '../../model_package/inference/segment_lines.js';
import { bilevelPng, linePng, stripedPng, testServer, tinyRecognizer, useCpu } from './helpers.js';

let png: Buffer;
const open: FastifyInstance[] = [];

beforeAll(async () => {
  await useCpu();
  png = await linePng(3);
});
afterEach(async () => {
  await Promise.all(open.splice(0).map((a) => a.close()));
});

async function server(config: Parameters<typeof testServer>[0] = {}, recognizer?: Recognizer): Promise<FastifyInstance> {
  const app = await testServer({ docs: false, ...config }, recognizer);
  open.push(app);
  return app;
}

async function listening(app: FastifyInstance): Promise<number> {
  await app.listen({ host: '127.0.0.1', port: 0 });
  const address = app.server.address();
  if (typeof address !== 'object' || !address) throw new Error('no address');
  return address.port;
}

async function expectError(app: FastifyInstance, req: InjectOptions, status: number, code: string, messagePart?: RegExp): Promise<void> {
  const res = await app.inject({ method: 'POST', url: '/v1/predict', ...req });
  expect(res.statusCode, res.body).toBe(status);
  const body = res.json<{ error: { code: string; message: string } }>();
  expect(body.error.code).toBe(code);
  expect(body.error.message).not.toMatch(/\n\s+at /); // no stack trace
  if (messagePart) expect(body.error.message).toMatch(messagePart);
}

async function expectReady(app: FastifyInstance): Promise<void> {
  expect((await app.inject({ url: '/v1/ready' })).statusCode).toBe(200);
  const ok = await app.inject({ method: 'POST', url: '/v1/predict', payload: png, headers: { 'content-type': 'image/png' } });
  expect(ok.statusCode, ok.body).toBe(200);
}

const raw = (payload: Buffer | string, type = 'image/png', url = '/v1/predict'): InjectOptions => ({ url, payload, headers: { 'content-type': type } });

/** Everything the server writes back on a raw socket until it closes the connection. */
function collect(socket: Socket): Promise<string> {
  return new Promise((resolve) => {
    let text = '';
    socket.on('data', (d: Buffer) => (text += d.toString('latin1')));
    socket.on('error', () => undefined);
    socket.on('close', () => resolve(text));
  });
}

/** The tiny model, counting the lines each beam-search batch decodes, each batch delayed by `delayMs`. */
/** Counts the rows of every beam batch; each batch waits `delayMs`, then for `gate` when given. */
function countingBeam(delayMs: number, gate?: Promise<void>): { recognizer: Recognizer; lines: number[] } {
  const inner = tinyRecognizer();
  const lines: number[] = [];
  const recognizer = new Proxy(inner, {
    get(target, prop, receiver) {
      if (prop === 'beamSearch') {
        return async (...args: Parameters<Recognizer['beamSearch']>) => {
          lines.push(args[0].shape[0]);
          await new Promise((r) => setTimeout(r, delayMs));
          await gate;
          return target.beamSearch(...args);
        };
      }
      const v = Reflect.get(target, prop, receiver) as unknown;
      return typeof v === 'function' ? v.bind(target) : v;
    },
  });
  return { recognizer, lines };
}

describe('hostile input', () => {
  it('1. a body trickled byte by byte is cut off with a 408 in the JSON error shape', async () => {
    const app = await server({ request_timeout_ms: 300 });
    const port = await listening(app);
    const socket = connect(port, '127.0.0.1');
    const answer = collect(socket);
    socket.write(`POST /v1/predict HTTP/1.1\r\nHost: x\r\nContent-Type: image/png\r\nContent-Length: ${png.length}\r\n\r\n`);
    socket.write(png.subarray(0, 1));
    // Keep trickling until the server hangs up (it must, or the test times out).
    let sent = 1;
    const trickle = setInterval(() => {
      if (!socket.destroyed && sent < png.length - 1) socket.write(png.subarray(sent, ++sent));
    }, 100);
    const text = await answer;
    clearInterval(trickle);
    expect(text).toMatch(/^HTTP\/1.1 408/);
    const body = JSON.parse(text.slice(text.indexOf('\r\n\r\n') + 4)) as { error: { code: string } };
    expect(body.error.code).toBe('HTR_ERR_REQUEST_TIMEOUT');
    expect(sent).toBeLessThan(png.length - 1);
    await expectReady(app);
  });

  it('2. a client that hangs up has its queued lines dropped before they reach the model', async () => {
    // The busy request holds the model until the hang-up has been handled, however slow the machine.
    let release = () => {};
    const { recognizer, lines } = countingBeam(0, new Promise<void>((r) => (release = r)));
    const app = await server({ max_batch_size: 4, max_wait_ms: 0 }, recognizer);
    const port = await listening(app);
    const url = `http://127.0.0.1:${port}/v1/predict?decoding=beam&beam_width=2`;
    // A request keeps the model busy so the heavy one has to queue.
    const busy = fetch(url, { method: 'POST', body: new Uint8Array(png), headers: { 'content-type': 'image/png' } });
    while (lines.length === 0) await new Promise((r) => setTimeout(r, 2));
    const heavy = await stripedPng(12);
    const socket = connect(port, '127.0.0.1');
    const closed = collect(socket);
    socket.write(`POST /v1/predict?mode=paragraph&decoding=beam&beam_width=2 HTTP/1.1\r\nHost: x\r\nContent-Type: image/png\r\nContent-Length: ${heavy.length}\r\n\r\n`);
    socket.write(heavy);
    while (app.htr.batcher.depth < 12) await new Promise((r) => setTimeout(r, 2));
    socket.destroy();
    await closed;
    while (app.htr.batcher.depth > 0) await new Promise((r) => setTimeout(r, 2));
    release();
    expect((await busy).status).toBe(200);
    await app.htr.batcher.drain();
    expect(lines).toEqual([1]); // only the busy request's line was decoded
    await expectReady(app);
  });

  it('3. paragraph mode: a cap on lines per request (and on lines x beam width)', async () => {
    const app = await server({ max_lines: 8, max_beam_lines: 12 });
    const many = await stripedPng(10);
    await expectError(app, raw(many, 'image/png', '/v1/predict?mode=paragraph'), 413, 'HTR_ERR_TOO_MANY_LINES', /10 lines, over the limit of 8/);
    const five = await stripedPng(5);
    const ok = await app.inject({ method: 'POST', ...raw(five, 'image/png', '/v1/predict?mode=paragraph') });
    expect(ok.statusCode, ok.body).toBe(200);
    expect(ok.json<{ lines: unknown[] }>().lines).toHaveLength(5);
    // 5 lines x beam 4 = 20 > 12: refused; beam 2 (10) is fine.
    await expectError(app, raw(five, 'image/png', '/v1/predict?mode=paragraph&decoding=beam&beam_width=4'), 413, 'HTR_ERR_TOO_MANY_LINES', /over the limit of 3/);
    expect((await app.inject({ method: 'POST', ...raw(five, 'image/png', '/v1/predict?mode=paragraph&decoding=beam&beam_width=2') })).statusCode).toBe(200);
    expect(app.htr.batcher.depth).toBe(0);
    await expectReady(app);
  });

  it('3. per-request fairness: a one-line request is not stuck behind a big paragraph', async () => {
    const { recognizer, lines } = countingBeam(20);
    // 8 decoder rows at beam width 2: 4 lines per batch.
    const app = await server({ max_batch_size: 8, max_wait_ms: 0 }, recognizer);
    const order: string[] = [];
    const big = app
      .inject({ method: 'POST', ...raw(await stripedPng(16), 'image/png', '/v1/predict?mode=paragraph&decoding=beam&beam_width=2') })
      .then((r) => order.push(`big ${r.statusCode}`));
    while (app.htr.batcher.depth < 12) await new Promise((r) => setTimeout(r, 1)); // first batch running, rest queued
    const small = app.inject({ method: 'POST', ...raw(png, 'image/png', '/v1/predict?decoding=beam&beam_width=2') }).then((r) => order.push(`small ${r.statusCode}`));
    await Promise.all([big, small]);
    expect(order).toEqual(['small 200', 'big 200']);
    // The small line rode in the second batch, beside three of the big request's lines.
    expect(lines.slice(0, 2)).toEqual([4, 4]);
    expect(lines.reduce((a, b) => a + b, 0)).toBe(17);
  });

  it('4. extreme aspect ratios are refused from the header, before decoding', async () => {
    const app = await server();
    const strip = bilevelPng(20_000_000, 1);
    expect(strip.length).toBeLessThan(16 * 1024);
    await expectError(app, raw(strip), 413, 'HTR_ERR_IMAGE_TOO_WIDE');
    await expectError(app, raw(strip, 'image/png', '/v1/predict?mode=paragraph'), 413, 'HTR_ERR_IMAGE_TOO_LARGE', /20000000x1 pixels, over the limit of 20000x20000/);
    const rss = process.memoryUsage().rss;
    await Promise.all(Array.from({ length: 4 }, () => expectError(app, raw(strip, 'image/png', '/v1/predict?mode=paragraph'), 413, 'HTR_ERR_IMAGE_TOO_LARGE')));
    // Four decodes would be 4 x 20 MP; refused from the header, memory barely moves.
    expect(process.memoryUsage().rss - rss).toBeLessThan(200 * 1024 * 1024);
    await expectReady(app);
  });

  it('7. a 1 x 1,000,000 image in paragraph mode: 413 from the header; segmentation itself copes', async () => {
    const app = await server();
    await expectError(app, raw(bilevelPng(1, 1_000_000), 'image/png', '/v1/predict?mode=paragraph'), 413, 'HTR_ERR_IMAGE_TOO_LARGE');
    const tall = { data: new Uint8Array(1_000_000).fill(255), width: 1, height: 1_000_000 };
    tall.data[500_000] = 0;
    expect(segmentLines(tall).length).toBeGreaterThan(0); // no stack overflow on a million rows
    await expectReady(app);
  });

  it('8. multipart without a boundary, or cut short, is a 400', async () => {
    const app = await server();
    await expectError(app, raw('abc', 'multipart/form-data'), 400, 'HTR_ERR_BAD_REQUEST', /boundary/);
    const cut = `--b\r\nContent-Disposition: form-data; name="image"; filename="a.png"\r\nContent-Type: image/png\r\n\r\n${png.subarray(0, 40).toString('latin1')}`;
    await expectError(app, raw(cut, 'multipart/form-data; boundary=b'), 400, 'HTR_ERR_BAD_REQUEST');
    await expectReady(app);
  });

  it('9. SVG and GIF bodies are never decoded, whatever their content type says', async () => {
    const app = await server();
    const svg = Buffer.from('<svg xmlns="http://www.w3.org/2000/svg" width="64" height="16"><rect width="64" height="16"/></svg>');
    const gif = await sharp({ create: { width: 64, height: 16, channels: 3, background: '#ffffff' } }).gif().toBuffer();
    for (const body of [svg, gif]) {
      await expectError(app, raw(body), 400, 'HTR_ERR_BAD_IMAGE', /not a PNG, JPEG, WebP or TIFF/);
      await expectError(app, { payload: { image: `data:image/png;base64,${body.toString('base64')}` } }, 400, 'HTR_ERR_BAD_IMAGE');
    }
    await expectReady(app);
  });

  it('15. protocol-level errors (malformed request, oversized headers) use the JSON error shape', async () => {
    const app = await server();
    const port = await listening(app);
    const send = async (text: string): Promise<{ status: number; code: string }> => {
      const socket = connect(port, '127.0.0.1');
      const answer = collect(socket);
      socket.write(text);
      const out = await answer;
      const body = JSON.parse(out.slice(out.indexOf('\r\n\r\n') + 4)) as { error: { code: string } };
      return { status: Number(out.split(' ')[1]), code: body.error.code };
    };
    expect(await send('NOT HTTP AT ALL\r\n\r\n')).toEqual({ status: 400, code: 'HTR_ERR_BAD_REQUEST' });
    expect(await send(`GET /v1/health HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`)).toEqual({ status: 431, code: 'HTR_ERR_HEADERS_TOO_LARGE' });
    await expectReady(app);
  });

  it('16. /metrics and /docs are public by default, protected with protect_metrics_and_docs', async () => {
    const open = await server({ api_key: 'k', docs: true });
    expect((await open.inject({ url: '/metrics' })).statusCode).toBe(200);
    expect((await open.inject({ url: '/docs/json' })).statusCode).toBe(200);
    const closed = await server({ api_key: 'k', docs: true, protect_metrics_and_docs: true });
    for (const url of ['/metrics', '/docs/json', '/docs']) {
      const res = await closed.inject({ url });
      expect(res.statusCode, url).toBe(401);
      expect(res.json<{ error: { code: string } }>().error.code).toBe('HTR_ERR_UNAUTHORIZED');
    }
    expect((await closed.inject({ url: '/metrics', headers: { 'x-api-key': 'k' } })).statusCode).toBe(200);
    expect((await closed.inject({ url: '/docs/json', headers: { authorization: 'Bearer k' } })).statusCode).toBe(200);
    expect((await closed.inject({ url: '/v1/health' })).statusCode).toBe(200);
  });
});
