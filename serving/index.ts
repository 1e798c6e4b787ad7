/** The HTTP service: `buildServer` (Fastify app, no listen), its config schema and model loaders. */
export { buildServer, type BuildServerOptions } from './app.js';
export { ServerConfig, PredictOptions, DEMO_CHECKPOINT } from './config.js';
export { checkpointLoader } from './load_model.js';
export type { LoadedModel, ModelLoader } from './plugins/model.js';
export { MicroBatcher, type BatcherOptions } from './batcher.js';
