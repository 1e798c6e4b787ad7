import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance, InjectOptions } from 'fastify';
import { linePng, testServer, useCpu } from './helpers.js';

let app: FastifyInstance;
let png: Buffer;

beforeAll(async () => {
  await useCpu();
  app = await testServer({ body_limit: 64 * 1024, max_pixels: 200_000 });
  png = await linePng(4);
});
afterAll(async () => app.close());

async function expectError(req: InjectOptions, status: number, code: string, messagePart?: RegExp): Promise<void> {
  const res = await app.inject({ method: 'POST', url: '/v1/predict', ...req });
  expect(res.statusCode, res.body).toBe(status);
  expect(res.headers['content-type']).toMatch(/application\/json/);
  const body = res.json<{ error: { code: string; message: string } }>();
  expect(body.error.code).toBe(code);
  if (messagePart) expect(body.error.message).toMatch(messagePart);
}

const raw = (payload: Buffer | string, type = 'image/png'): InjectOptions => ({ payload, headers: { 'content-type': type } });

describe('bad input gets a 4xx JSON error', () => {
  it('empty body', async () => {
    await expectError({}, 400, 'HTR_ERR_BAD_REQUEST', /empty body/);
    await expectError(raw(Buffer.alloc(0)), 400, 'HTR_ERR_BAD_REQUEST', /empty body/);
    await expectError(raw('', 'application/json'), 400, 'HTR_ERR_BAD_REQUEST');
  });

  it('non-image bytes', async () => {
    await expectError(raw(Buffer.from('this is not an image at all')), 400, 'HTR_ERR_BAD_IMAGE', /request body/);
  });

  it('truncated PNG', async () => {
    await expectError(raw(png.subarray(0, Math.floor(png.length / 2))), 400, 'HTR_ERR_BAD_IMAGE');
  });

  it('wrong content type', async () => {
    await expectError(raw('hello', 'text/plain'), 415, 'HTR_ERR_UNSUPPORTED_MEDIA', /text\/plain/);
    await expectError(raw(png, 'application/octet-stream'), 415, 'HTR_ERR_UNSUPPORTED_MEDIA');
  });

  it('bad base64 data URL and bad JSON', async () => {
    await expectError({ payload: { image: 'data:image/png;base64,@@not base64@@' } }, 400, 'HTR_ERR_BAD_REQUEST', /base64/);
    await expectError({ payload: { image: 'data:text/html,<b>hi</b>' } }, 400, 'HTR_ERR_BAD_REQUEST', /data URL/);
    await expectError({ payload: { image: 42 } }, 400, 'HTR_ERR_BAD_REQUEST', /data URL/);
    await expectError({ payload: { picture: 'x' } }, 400, 'HTR_ERR_BAD_REQUEST');
    await expectError(raw('{"image": ', 'application/json'), 400, 'HTR_ERR_BAD_REQUEST');
    // Valid base64 of bytes that are not an image.
    await expectError({ payload: { image: `data:image/png;base64,${Buffer.from('nope').toString('base64')}` } }, 400, 'HTR_ERR_BAD_IMAGE');
  });

  it('zero-size and 1x1 images', async () => {
    // A PNG header claiming 0x0 pixels.
    const zero = Buffer.from(png);
    zero.writeUInt32BE(0, 16);
    zero.writeUInt32BE(0, 20);
    await expectError(raw(zero), 400, 'HTR_ERR_BAD_IMAGE');
    // 1x1 decodes fine and is just a (blank) line: the server answers, it does not crash.
    const one = await sharp({ create: { width: 1, height: 1, channels: 3, background: '#ffffff' } }).png().toBuffer();
    const res = await app.inject({ method: 'POST', url: '/v1/predict', ...raw(one) });
    expect(res.statusCode).toBe(200);
    expect(typeof res.json<{ text: string }>().text).toBe('string');
  });

  it('image over the pixel limit', async () => {
    const big = await sharp({ create: { width: 1000, height: 1000, channels: 3, background: '#ffffff' } }).png().toBuffer();
    expect(big.length).toBeLessThan(64 * 1024); // under the body limit: the pixel limit is what trips
    await expectError(raw(big), 413, 'HTR_ERR_IMAGE_TOO_LARGE');
  });

  it('line wider than the model takes at its height: refused by name, never squeezed', async () => {
    // 1000x40 at the model's height 16 is 400 px, over its 256 px.
    const wide = await sharp({ create: { width: 1000, height: 40, channels: 3, background: '#ffffff' } }).png().toBuffer();
    await expectError(raw(wide), 413, 'HTR_ERR_IMAGE_TOO_WIDE', /400 px wide .* limit of 256 px/);
    // The same line cut to fit is read.
    const fits = await sharp({ create: { width: 600, height: 40, channels: 3, background: '#ffffff' } }).png().toBuffer();
    expect((await app.inject({ method: 'POST', url: '/v1/predict', ...raw(fits) })).statusCode).toBe(200);
  });

  it('body over the size limit (raw, JSON and multipart)', async () => {
    const huge = Buffer.alloc(100 * 1024, 7);
    await expectError(raw(huge), 413, 'HTR_ERR_PAYLOAD_TOO_LARGE', /65536/);
    await expectError({ payload: { image: huge.toString('base64') } }, 413, 'HTR_ERR_PAYLOAD_TOO_LARGE');
    const boundary = 'b0undary';
    const payload = Buffer.concat([
      Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="image"; filename="big.png"\r\nContent-Type: image/png\r\n\r\n`),
      huge,
      Buffer.from(`\r\n--${boundary}--\r\n`),
    ]);
    await expectError({ payload, headers: { 'content-type': `multipart/form-data; boundary=${boundary}` } }, 413, 'HTR_ERR_PAYLOAD_TOO_LARGE');
  });

  it('unknown or invalid decode options', async () => {
    await expectError({ url: '/v1/predict?temperature=2', ...raw(png) }, 400, 'HTR_ERR_BAD_REQUEST', /temperature/);
    await expectError({ url: '/v1/predict?decoding=sampling', ...raw(png) }, 400, 'HTR_ERR_BAD_REQUEST', /decoding/);
    await expectError({ url: '/v1/predict?decoding=beam&beam_width=0', ...raw(png) }, 400, 'HTR_ERR_BAD_REQUEST', /beam_width/);
    await expectError({ url: '/v1/predict?decoding=beam&beam_width=11', ...raw(png) }, 400, 'HTR_ERR_BAD_REQUEST', /beam_width/);
    await expectError({ payload: { image: png.toString('base64'), temperature: 2 } }, 400, 'HTR_ERR_BAD_REQUEST', /temperature/);
  });

  it('unknown routes are JSON 404s', async () => {
    const res = await app.inject({ method: 'GET', url: '/v2/nothing' });
    expect(res.statusCode).toBe(404);
    expect(res.json<{ error: { code: string } }>().error.code).toBe('HTR_ERR_ROUTE_NOT_FOUND');
  });

  it('the server still answers correctly after all of the above', async () => {
    const res = await app.inject({ method: 'POST', url: '/v1/predict', ...raw(png) });
    expect(res.statusCode).toBe(200);
  });
});
