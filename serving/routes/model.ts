/**
 * GET /v1/model: what is being served (architecture config, vocabulary, size, checkpoint metadata).
 * GET /v1/model/file: the served checkpoint as its inference-only file, for the demo
 * page's in-browser mode (the browser runs the very weights the server runs).
 */
import type { FastifyInstance } from 'fastify';
import { htrError } from '../../model_package/errors.js';
import { encodeInferenceCheckpoint, readCheckpoint } from '../../model_package/checkpoint/checkpoint.js';

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
      language_model: loaded.lm
        ? { file: loaded.lm.file, order: loaded.lm.fusion.lm.order, lines: loaded.lm.fusion.lm.lines, weight: loaded.lm.fusion.weight, bonus: loaded.lm.fusion.bonus, modes: ['ctc_beam', 'joint'] }
        : null,
      batching: { max_batch_size: app.serverConfig.max_batch_size, max_wait_ms: app.serverConfig.max_wait_ms },
    };
  });

  const files = new Map<string, Promise<Uint8Array>>();
  app.get('/v1/model/file', { config: { auth: true }, schema: { summary: 'The served model as an inference-only checkpoint file (weights, config, vocabulary)' } }, async (_request, reply) => {
    const loaded = app.htr.loaded;
    if (app.htr.state !== 'ready' || !loaded) throw htrError('HTR_ERR_NOT_READY', { retryAfter: 1 });
    const file = loaded.checkpoint;
    if (!file) throw htrError('HTR_ERR_ROUTE_NOT_FOUND', { value: '/v1/model/file (the served model was not loaded from a checkpoint file)' });
    let bytes = files.get(file);
    if (!bytes) {
      bytes = readCheckpoint(file).then(encodeInferenceCheckpoint);
      files.set(file, bytes);
    }
    return reply.type('application/octet-stream').header('cache-control', 'no-cache').send(Buffer.from(await bytes));
  });
}
