/** Liveness (`/v1/health`: the process answers) and readiness (`/v1/ready`: the model is loaded). */
import type { FastifyInstance } from 'fastify';
import { htrError } from '../../model_package/errors.js';
import { sendError } from '../plugins/errors.js';

export async function healthRoutes(app: FastifyInstance): Promise<void> {
  app.get('/v1/health', { schema: { summary: 'Liveness: the server process is up' } }, async () => ({
    status: 'ok',
    uptime_s: Math.round(process.uptime()),
  }));

  app.get('/v1/ready', { schema: { summary: 'Readiness: 200 once the model is loaded, 503 before (or if loading failed)' } }, async (_request, reply) => {
    const htr = app.htr;
    if (htr.state === 'ready') return { status: 'ready', model: htr.loaded?.name };
    if (htr.state === 'failed') {
      const reason = htr.error instanceof Error ? htr.error.message : String(htr.error);
      return sendError(reply, htrError('HTR_ERR_INTERNAL', { reason: `model failed to load: ${reason}` }));
    }
    return sendError(reply, htrError('HTR_ERR_NOT_READY', { retryAfter: 1 }));
  });
}
