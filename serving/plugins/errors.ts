/**
 * One error format for every route: `{ error: { code, message } }` with the
 * HTR_ERR_* code's status. Fastify's own errors (body limit, media type,
 * schema validation, rate limit) are mapped onto the same catalogue.
 */
import { STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';
import fp from 'fastify-plugin';
import type { FastifyError, FastifyInstance, FastifyReply } from 'fastify';
import { htrError, isHtrError, type HtrError } from '../../model_package/errors.js';

export const PREDICT_MEDIA_TYPES = ['image/png', 'image/jpeg', 'image/webp', 'image/tiff', 'multipart/form-data', 'application/json'];

/** Maps anything thrown in a handler or by Fastify to an HtrError. */
export function toHtrError(err: unknown, context: { bodyLimit: number; contentType?: string }): HtrError {
  if (isHtrError(err)) return err;
  const e = err as Partial<FastifyError> & { statusCode?: number };
  switch (e.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
    case 'FST_REQ_FILE_TOO_LARGE':
    case 'FST_PARTS_LIMIT':
    case 'FST_FILES_LIMIT':
      return htrError('HTR_ERR_PAYLOAD_TOO_LARGE', { limit: context.bodyLimit }, err);
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
    case 'FST_INVALID_MULTIPART_CONTENT_TYPE':
      return htrError('HTR_ERR_UNSUPPORTED_MEDIA', { value: context.contentType ?? '', allowed: PREDICT_MEDIA_TYPES }, err);
    default:
  }
  if (e.statusCode === 429) return htrError('HTR_ERR_RATE_LIMITED', { reason: e.message ?? 'too many requests' }, err);
  if (e.validation) return htrError('HTR_ERR_BAD_REQUEST', { reason: describeValidation(e.validation, e.validationContext) }, err);
  if ((e.statusCode !== undefined && e.statusCode >= 400 && e.statusCode < 500)) {
    return htrError('HTR_ERR_BAD_REQUEST', { reason: e.message ?? 'invalid request' }, err);
  }
  return htrError('HTR_ERR_INTERNAL', { reason: e.message ?? String(err) }, err);
}

/** Ajv errors -> "option temperature is not allowed", naming the offending key. */
function describeValidation(items: NonNullable<FastifyError['validation']>, where = 'request'): string {
  return items
    .map((v) => {
      const params = v.params as Record<string, unknown>;
      const key = typeof params.additionalProperty === 'string' ? params.additionalProperty : v.instancePath.replace(/^\//, '').replace(/\//g, '.');
      if (typeof params.additionalProperty === 'string') return `unknown ${where === 'querystring' ? 'option' : 'field'} "${key}"`;
      return `${where === 'querystring' ? 'option' : 'field'} "${key}" ${v.message ?? 'is invalid'}${Array.isArray(params.allowedValues) ? ` (${params.allowedValues.join(', ')})` : ''}`;
    })
    .join('; ');
}

export function sendError(reply: FastifyReply, err: HtrError): FastifyReply {
  if (err.code === 'HTR_ERR_OVERLOADED' || err.code === 'HTR_ERR_NOT_READY') {
    reply.header('retry-after', String(err.details.retryAfter ?? 1));
  }
  return reply.code(err.statusCode).type('application/json').send({ error: { code: err.code, message: err.message } });
}

/**
 * Protocol-level failures (malformed HTTP, headers over the size limit, request
 * timeout) answered on the raw socket, in the same `{ error: { code, message } }` shape.
 */
export function clientErrorHandler(this: FastifyInstance, err: NodeJS.ErrnoException, socket: Duplex): void {
  if (err.code === 'ECONNRESET' || socket.destroyed) return;
  const mapped =
    err.code === 'ERR_HTTP_REQUEST_TIMEOUT'
      ? htrError('HTR_ERR_REQUEST_TIMEOUT', { limit: this.serverConfig.request_timeout_ms })
      : err.code === 'HPE_HEADER_OVERFLOW'
        ? htrError('HTR_ERR_HEADERS_TOO_LARGE')
        : htrError('HTR_ERR_BAD_REQUEST', { reason: 'malformed HTTP request' });
  this.log.info({ code: mapped.code, err: err.code }, mapped.message);
  if (socket.writable) {
    const body = JSON.stringify({ error: { code: mapped.code, message: mapped.message } });
    const status = `${mapped.statusCode} ${STATUS_CODES[mapped.statusCode] ?? ''}`;
    socket.write(`HTTP/1.1 ${status}\r\nContent-Length: ${Buffer.byteLength(body)}\r\nContent-Type: application/json\r\nConnection: close\r\n\r\n${body}`);
  }
  socket.destroy();
}

export const errorsPlugin = fp(
  async (app: FastifyInstance) => {
    app.setErrorHandler((err, request, reply) => {
      const mapped = toHtrError(err, { bodyLimit: app.serverConfig.body_limit, contentType: request.headers['content-type'] });
      if (mapped.statusCode >= 500) request.log.error({ err }, mapped.message);
      else request.log.info({ code: mapped.code }, mapped.message);
      return sendError(reply, mapped);
    });
    app.setNotFoundHandler((request, reply) =>
      sendError(reply, htrError('HTR_ERR_ROUTE_NOT_FOUND', { value: `${request.method} ${request.url}` })),
    );
  },
  { name: 'htr-errors' },
);
