/**
 * The Fastify app factory (no listen): plugins for metrics, errors, auth and the
 * model, then one plugin per route group. `serving/main.ts` adds the CLI.
 */
import Fastify, { type FastifyInstance } from 'fastify';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { z } from 'zod';
import { ServerConfig } from './config.js';
import { metricsPlugin } from './plugins/metrics.js';
import { clientErrorHandler, errorsPlugin } from './plugins/errors.js';
import { authPlugin } from './plugins/auth.js';
import { shutdownPlugin } from './plugins/shutdown.js';
import { modelPlugin, type ModelLoader } from './plugins/model.js';
import { healthRoutes } from './routes/health.js';
import { modelRoutes } from './routes/model.js';
import { predictRoutes } from './routes/predict.js';
import { metricsRoutes } from './routes/metrics.js';
import { demoRoutes } from './routes/demo.js';
import { searchRoutes } from './routes/search.js';

export interface BuildServerOptions {
  /** Unparsed settings; defaults come from `ServerConfig`. */
  readonly config?: z.input<typeof ServerConfig>;
  /** Called once at startup; /v1/ready turns 200 when it resolves. */
  readonly loadModel: ModelLoader;
  /** The library's browser build for the demo page's in-browser mode (default dist/web/, from `npm run build:web`). */
  readonly webDir?: string;
}

export async function buildServer(options: BuildServerOptions): Promise<FastifyInstance> {
  const config = ServerConfig.parse(options.config ?? {});
  const app = Fastify({
    logger: config.logger,
    bodyLimit: config.body_limit,
    // Headers and the whole body must arrive in time: a client trickling its body is cut off with a 408.
    requestTimeout: config.request_timeout_ms,
    // Node checks that deadline on an interval (30 s by default); check every second so it holds.
    http: { connectionsCheckingInterval: 1000, headersTimeout: Math.min(60_000, config.request_timeout_ms) },
    clientErrorHandler,
    // Unknown query options must fail validation instead of being silently dropped.
    ajv: { customOptions: { removeAdditional: false } },
    return503OnClosing: true,
  });
  app.decorate('serverConfig', config);
  await app.register(shutdownPlugin);
  await app.register(metricsPlugin);
  await app.register(errorsPlugin);
  // Before the docs routes, so `protect_metrics_and_docs` covers them too.
  await app.register(authPlugin);
  if (config.docs) {
    await app.register(swagger, {
      openapi: {
        info: { title: 'htr-ts', description: 'Handwritten text recognition', version: '0.1.0' },
        components: { securitySchemes: { apiKey: { type: 'apiKey', in: 'header', name: 'x-api-key' } } },
      },
    });
    await app.register(swaggerUi, { routePrefix: '/docs' });
  }
  await app.register(modelPlugin, { load: options.loadModel });
  await app.register(healthRoutes);
  await app.register(modelRoutes);
  await app.register(predictRoutes);
  await app.register(metricsRoutes);
  await app.register(demoRoutes, options.webDir !== undefined ? { webDir: options.webDir } : {});
  await app.register(searchRoutes, { db: config.collections_db });
  return app;
}
