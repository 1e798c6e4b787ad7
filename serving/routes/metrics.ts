/** GET /metrics in Prometheus text format. */
import type { FastifyInstance } from 'fastify';

export async function metricsRoutes(app: FastifyInstance): Promise<void> {
  app.get('/metrics', { schema: { summary: 'Prometheus metrics: request counts, latency histograms, batch sizes', hide: false } }, async (_request, reply) => {
    reply.type(app.metrics.registry.contentType);
    return app.metrics.registry.metrics();
  });
}
