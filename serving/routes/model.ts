/** GET /v1/model: what is being served (architecture config, vocabulary, size, checkpoint metadata). */
import type { FastifyInstance } from 'fastify';
import { htrError } from '../../model_package/errors.js';

export async function modelRoutes(app: FastifyInstance): Promise<void> {
  app.get('/v1/model', { config: { auth: true }, schema: { summary: 'The served model: config, vocabulary, parameter count, checkpoint metadata' } }, async () => {
    const htr = app.htr;
    const loaded = htr.loaded;
    if (htr.state !== 'ready' || !loaded) throw htrError('HTR_ERR_NOT_READY', { retryAfter: 1 });
    const dc = loaded.recognizer.dataConfig;
    return {
      name: loaded.name,
      checkpoint: loaded.checkpoint ?? null,
      parameters: loaded.recognizer.numParameters(),
      input_dims: dc.inputDims,
      max_seq_length: dc.outputDims[0],
      vocabulary: dc.mapping,
      config: loaded.config ?? {},
      metadata: loaded.metadata ?? {},
      batching: { max_batch_size: app.serverConfig.max_batch_size, max_wait_ms: app.serverConfig.max_wait_ms },
    };
  });
}
