/**
 * Server settings. `serving/main.ts` derives its flags from this schema; tests
 * and `buildServer` take the parsed object. Keys are snake_case like the rest.
 */
import { z } from 'zod';
import { ACCELERATORS } from '../model_package/backend/init_backend.js';
import { DECODING_CHOICES } from '../model_package/models/decoding/index.js';
import { LM_SETTINGS } from '../model_package/lm/settings.js';

/** The bundled demo model (see models/demo/MODEL_CARD.md). */
export const DEMO_CHECKPOINT = 'models/demo/demo.ckpt';

export const ServerConfig = z.strictObject({
  checkpoint: z.string().default(DEMO_CHECKPOINT).describe('checkpoint to serve (default: the bundled demo model)'),
  ...LM_SETTINGS,
  accelerator: z.enum(ACCELERATORS).default('auto').describe('tensor backend; auto tries gpu, native, wasm, cpu in order'),
  num_threads: z.number().int().min(0).default(0).describe('wasm threads (0 = measured default)'),
  host: z.string().default('127.0.0.1').describe('interface to listen on (0.0.0.0 for all)'),
  port: z.number().int().min(0).max(65535).default(3000).describe('TCP port (0 = any free port)'),
  api_key: z.string().optional().describe('require this key in "x-api-key" or "Authorization: Bearer" on /v1/predict and /v1/model (env HTR_API_KEY)'),
  protect_metrics_and_docs: z.boolean().default(false).describe('with api_key set, also require it on /metrics and /docs (default: they stay public)'),
  body_limit: z.number().int().positive().default(10 * 1024 * 1024).describe('largest request body in bytes'),
  request_timeout_ms: z.number().int().positive().default(30_000).describe('time a client has to send its headers and whole body; slower ones get 408 and are disconnected'),
  max_pixels: z.number().int().positive().default(25_000_000).describe('largest decoded image in pixels (sharp limitInputPixels)'),
  max_image_width: z.number().int().positive().default(20_000).describe('widest image in pixels, read from the header before decoding'),
  max_image_height: z.number().int().positive().default(20_000).describe('tallest image in pixels, read from the header before decoding'),
  max_lines: z.number().int().positive().default(64).describe('most lines one paragraph-mode request may yield'),
  max_beam_lines: z.number().int().positive().default(200).describe('most lines x beam_width one request may ask for (beam decoding modes)'),
  timeout_ms: z.number().int().positive().default(30_000).describe('per-request time limit for preprocessing and decoding'),
  max_batch_size: z.number().int().positive().default(16).describe('decoder rows (lines x beam width) decoded together in one micro-batch'),
  max_wait_ms: z.number().min(0).default(4).describe('how long the first queued line waits for others to join its batch'),
  batch_pause_ratio: z.number().min(0).max(4).default(0.25).describe('after each model batch, pause this fraction of its duration so new requests are read (keeps small requests fast behind heavy ones)'),
  max_queue: z.number().int().positive().default(256).describe('queued lines before new requests get 503 + Retry-After'),
  max_beam_width: z.number().int().positive().default(10).describe('largest beam_width a request may ask for'),
  rate_limit_max: z.number().int().min(0).default(0).describe('requests per client per window on /v1/predict (0 = no rate limit)'),
  rate_limit_window_ms: z.number().int().positive().default(60_000).describe('rate-limit window'),
  collections_db: z.string().optional().describe('htr_batch results store(s) behind /v1/search and the /search page; several, comma-separated, are merged'),
  docs: z.boolean().default(true).describe('serve OpenAPI docs at /docs'),
  logger: z.boolean().default(false).describe('log requests as JSON lines'),
});
export type ServerConfig = z.infer<typeof ServerConfig>;

export const PredictOptions = z.strictObject({
  decoding: z.enum(DECODING_CHOICES).default('auto').describe('auto (the fastest the model supports: ctc_greedy with a CTC head, else greedy), greedy, beam, ctc_greedy, ctc_beam or joint (attention + CTC)'),
  beam_width: z.coerce.number().int().min(1).max(64).default(5).describe('beams kept per line (beam decoding only)'),
  mode: z.enum(['line', 'paragraph']).default('line').describe('one text line, or a paragraph cut into lines first'),
});
export type PredictOptions = z.infer<typeof PredictOptions>;
