/**
 * Optional API key: when configured, routes that opt in (`config.auth: true`)
 * need it in `x-api-key` or `Authorization: Bearer <key>`. Compared in constant time.
 * `/metrics` and `/docs` stay public unless `protect_metrics_and_docs` is set.
 */
import { timingSafeEqual } from 'node:crypto';
import fp from 'fastify-plugin';
import type { FastifyInstance } from 'fastify';
import { htrError } from '../../model_package/errors.js';

declare module 'fastify' {
  interface FastifyContextConfig {
    auth?: boolean;
  }
}

function sameKey(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

export const authPlugin = fp(
  async (app: FastifyInstance) => {
    const key = app.serverConfig.api_key;
    if (!key) return;
    const protectAll = app.serverConfig.protect_metrics_and_docs;
    app.addHook('onRequest', async (request) => {
      const protectedPath = protectAll && /^\/(metrics|docs)(\/|\?|$)/.test(request.url);
      if (!request.routeOptions.config.auth && !protectedPath) return;
      const header = request.headers['x-api-key'];
      const bearer = /^Bearer\s+(.+)$/i.exec(request.headers.authorization ?? '')?.[1];
      const given = (Array.isArray(header) ? header[0] : header) ?? bearer ?? '';
      if (!sameKey(given, key)) throw htrError('HTR_ERR_UNAUTHORIZED');
    });
  },
  { name: 'htr-auth' },
);
