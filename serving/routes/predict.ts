/**
 * POST /v1/predict: one image as a multipart upload, a raw image body, or JSON
 * `{ "image": "data:image/png;base64,..." }`; options in the query string (or
 * JSON fields / multipart fields). Lines are micro-batched with other requests.
 */
import multipart, { type MultipartFile } from '@fastify/multipart';
import { z } from 'zod';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { htrError, isHtrError } from '../../model_package/errors.js';
import { PredictOptions } from '../config.js';
import { parseDataUrl } from '../data_url.js';

const IMAGE_TYPES = ['image/png', 'image/jpeg', 'image/webp', 'image/tiff'];

function jsonSchema(schema: z.ZodType): Record<string, unknown> {
  const { $schema: _, ...rest } = z.toJSONSchema(schema, { io: 'input', target: 'draft-7' }) as Record<string, unknown>;
  return rest;
}

const optionsSchema = jsonSchema(PredictOptions);
const charSchema = { type: 'object', properties: { char: { type: 'string' }, p: { type: 'number' } }, required: ['char', 'p'] };
const lineSchema = {
  type: 'object',
  properties: { text: { type: 'string' }, confidence: { type: 'number' }, chars: { type: 'array', items: charSchema } },
  required: ['text', 'confidence', 'chars'],
};
const errorSchema = {
  type: 'object',
  properties: { error: { type: 'object', properties: { code: { type: 'string' }, message: { type: 'string' } }, required: ['code', 'message'] } },
};

export interface PredictResponse {
  text: string;
  confidence: number;
  chars: Array<{ char: string; p: number }>;
  model: string;
  latency_ms: number;
  lines?: Array<{ text: string; confidence: number; chars: Array<{ char: string; p: number }> }>;
}

/** The image bytes and any options carried in the body itself. */
async function readImage(request: FastifyRequest): Promise<{ image: Buffer; fields: Record<string, unknown>; label: string }> {
  const type = (request.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
  if (type === 'multipart/form-data') {
    if (!/;\s*boundary=/i.test(request.headers['content-type'] ?? '')) {
      throw htrError('HTR_ERR_BAD_REQUEST', { reason: 'multipart content type without a boundary parameter' });
    }
    let file: MultipartFile | undefined;
    let image: Buffer;
    try {
      file = await request.file();
      if (!file) throw htrError('HTR_ERR_BAD_REQUEST', { reason: 'multipart body has no file part (send the image as field "image")' });
      image = await file.toBuffer();
    } catch (err) {
      throw malformedMultipart(err);
    }
    const fields: Record<string, unknown> = {};
    for (const [name, field] of Object.entries(file.fields)) {
      const f = Array.isArray(field) ? field[0] : field;
      if (f && f.type === 'field' && name !== file.fieldname) fields[name] = f.value;
    }
    return { image, fields, label: file.filename || 'upload' };
  }
  if (type === 'application/json') {
    const body = request.body;
    if (typeof body !== 'object' || body === null || Array.isArray(body)) {
      throw htrError('HTR_ERR_BAD_REQUEST', { reason: 'JSON body must be an object like {"image": "data:image/png;base64,..."}' });
    }
    const { image, ...fields } = body as Record<string, unknown>;
    return { image: parseDataUrl(image), fields, label: 'JSON image' };
  }
  if (IMAGE_TYPES.includes(type)) {
    const body = request.body;
    return { image: Buffer.isBuffer(body) ? body : Buffer.alloc(0), fields: {}, label: 'request body' };
  }
  if (!type) throw htrError('HTR_ERR_BAD_REQUEST', { reason: 'empty body: send an image (raw, multipart or JSON data URL)' });
  throw htrError('HTR_ERR_UNSUPPORTED_MEDIA', { value: type, allowed: [...IMAGE_TYPES, 'multipart/form-data', 'application/json'] });
}

/** Limit errors keep their Fastify code (mapped to 413); anything the multipart parser throws is the client's malformed body. */
function malformedMultipart(err: unknown): unknown {
  const code = (err as { code?: unknown }).code;
  if (isHtrError(err) || (typeof code === 'string' && code.startsWith('FST_'))) return err;
  return htrError('HTR_ERR_BAD_REQUEST', { reason: `malformed multipart body: ${err instanceof Error ? err.message : String(err)}` }, err);
}

function parseOptions(query: unknown, fields: Record<string, unknown>, maxBeam: number): PredictOptions {
  const merged = { ...(query as Record<string, unknown>), ...fields };
  const parsed = PredictOptions.safeParse(merged);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const key = issue?.path.join('.') || (issue && 'keys' in issue ? (issue.keys as string[]).join(', ') : '');
    throw htrError('HTR_ERR_BAD_REQUEST', { reason: `option ${key || '?'}: ${issue?.message ?? 'invalid'}`, key });
  }
  if (parsed.data.beam_width > maxBeam) {
    throw htrError('HTR_ERR_BAD_REQUEST', { reason: `beam_width ${parsed.data.beam_width} is over this server's limit of ${maxBeam}`, key: 'beam_width' });
  }
  return parsed.data;
}

export async function predictRoutes(app: FastifyInstance): Promise<void> {
  const bodyLimit = app.serverConfig.body_limit;
  // Only the body types we accept (no text/plain); encapsulated to this plugin.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('application/json', { parseAs: 'string', bodyLimit }, app.getDefaultJsonParser('error', 'error'));
  app.addContentTypeParser(IMAGE_TYPES, { parseAs: 'buffer', bodyLimit }, (_req, body, done) => done(null, body));
  await app.register(multipart, { limits: { fileSize: bodyLimit, files: 1, fields: 8, fieldSize: 1024 } });

  if (app.serverConfig.rate_limit_max > 0) {
    const rateLimit = (await import('@fastify/rate-limit')).default;
    await app.register(rateLimit, { max: app.serverConfig.rate_limit_max, timeWindow: app.serverConfig.rate_limit_window_ms });
  }

  app.post(
    '/v1/predict',
    {
      config: { auth: true },
      schema: {
        summary: 'Recognize the handwritten text in one image',
        description:
          'Body: a multipart upload (field "image"), a raw image/png|jpeg|webp|tiff body, or JSON {"image": "data:image/png;base64,..."} (options may also be JSON fields).',
        querystring: optionsSchema,
        consumes: [...IMAGE_TYPES, 'multipart/form-data', 'application/json'],
        response: {
          200: {
            type: 'object',
            properties: { ...lineSchema.properties, model: { type: 'string' }, latency_ms: { type: 'number' }, lines: { type: 'array', items: lineSchema } },
            required: ['text', 'confidence', 'chars', 'model', 'latency_ms'],
          },
          '4xx': errorSchema,
          '5xx': errorSchema,
        },
      },
    },
    async (request, reply): Promise<PredictResponse> => {
      const start = performance.now();
      const htr = app.htr;
      if (htr.state !== 'ready') throw htrError('HTR_ERR_NOT_READY', { retryAfter: 1 });
      const { image, fields, label } = await readImage(request);
      const options = parseOptions(request.query, fields, app.serverConfig.max_beam_width);
      if (image.length === 0) throw htrError('HTR_ERR_BAD_REQUEST', { reason: 'empty body: the image has 0 bytes' });

      const abort = new AbortController();
      // A client that hangs up no longer wants the answer: its lines leave the queue before reaching the model.
      const onClose = (): void => {
        if (!reply.raw.writableFinished) abort.abort(htrError('HTR_ERR_CLIENT_CLOSED'));
      };
      reply.raw.once('close', onClose);
      const limit = app.serverConfig.timeout_ms;
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => {
          const err = htrError('HTR_ERR_TIMEOUT', { limit });
          abort.abort(err);
          reject(err);
        }, limit);
      });
      try {
        const work = htr.predict(image, label, {
          mode: options.mode,
          decoding: options.decoding,
          beamWidth: options.beam_width,
          signal: abort.signal,
          startedAt: start,
          client: request.ip,
        });
        const aborted = new Promise<never>((_, reject) => abort.signal.addEventListener('abort', () => reject(abort.signal.reason as Error), { once: true }));
        const result = await Promise.race([work, timeout, aborted]);
        return {
          text: result.text,
          confidence: result.confidence,
          chars: [...result.chars],
          model: htr.loaded?.name ?? 'unknown',
          latency_ms: Math.round(result.latencyMs * 100) / 100,
          ...(options.mode === 'paragraph' ? { lines: result.lines.map((l) => ({ text: l.text, confidence: l.confidence, chars: [...l.chars] })) } : {}),
        };
      } finally {
        clearTimeout(timer);
        reply.raw.off('close', onClose);
      }
    },
  );
}
