/** Decorates the app with its metrics and counts every response by route and status. */
import fp from 'fastify-plugin';
import * as tf from '@tensorflow/tfjs-core';
import type { FastifyInstance } from 'fastify';
import { createServerMetrics } from '../metrics.js';

export const metricsPlugin = fp(
  async (app: FastifyInstance) => {
    const metrics = createServerMetrics({
      // `htr` is decorated later by the model plugin; read it lazily.
      queueDepth: () => (app.hasDecorator('htr') ? app.htr.batcher.depth : 0),
      numTensors: () => tf.memory().numTensors,
    });
    app.decorate('metrics', metrics);
    app.addHook('onResponse', async (request, reply) => {
      const route = request.routeOptions.url ?? 'unmatched';
      metrics.requests.inc({ method: request.method, route, status: String(reply.statusCode) });
      metrics.requestSeconds.observe({ route }, reply.elapsedTime / 1000);
    });
  },
  { name: 'htr-metrics' },
);
