/**
 * Loads the model once (in the background, so /v1/ready can say "not yet") and
 * decorates the app with `htr`: the inference pipeline with its recognition
 * micro-batched across requests.
 */
import fp from 'fastify-plugin';
import * as tf from '@tensorflow/tfjs-core';
import type { FastifyInstance } from 'fastify';
import { htrError } from '../../model_package/errors.js';
import type { GrayImage } from '../../model_package/core/data_types.js';
import type { Recognizer } from '../../model_package/models/types.js';
import { Predictor, type Prediction, type PredictionOptions } from '../../model_package/inference/predictor.js';
import type { LinePrediction, RecognizeOptions } from '../../model_package/inference/line_recognizer.js';
import { DECODE_MODES, resolveDecoding, type Decoding } from '../../model_package/models/decoding/index.js';
import type { LmFusion } from '../../model_package/lm/fusion.js';
import { MicroBatcher } from '../batcher.js';
import type { ServerConfig } from '../config.js';
import type { ServerMetrics } from '../metrics.js';

export interface LoadedModel {
  readonly recognizer: Recognizer;
  /** Shown as `model` in every prediction, e.g. "ResnetTransformer@demo_synthetic". */
  readonly name: string;
  /** Checkpoint path, if loaded from one. */
  readonly checkpoint?: string;
  /** Resolved experiment config saved with the checkpoint. */
  readonly config?: Record<string, unknown>;
  /** Checkpoint metadata (epoch, step, metrics, creation time...). */
  readonly metadata?: Record<string, unknown>;
  /** A character language model for the ctc_beam and joint modes, and its file. */
  readonly lm?: { readonly file: string; readonly fusion: LmFusion };
}

export type ModelLoader = () => Promise<LoadedModel>;

export type ModelState = 'loading' | 'ready' | 'failed';

/** One tracked request: whether it is still preprocessing (see `moreComing`). */
export interface Ticket {
  preparing: boolean;
}

export class ModelService {
  state: ModelState = 'loading';
  error: unknown;
  loaded: LoadedModel | undefined;
  predictor: Predictor | undefined;
  readonly batcher: MicroBatcher<GrayImage, LinePrediction>;
  private readonly loading: Promise<void>;
  private active = 0;
  /** Requests between arrival and handing their lines to the batcher. */
  private preparing = 0;
  private idle: Array<() => void> = [];

  constructor(load: ModelLoader, private readonly config: ServerConfig, metrics: ServerMetrics) {
    this.batcher = new MicroBatcher<GrayImage, LinePrediction>(
      (key, images) => this.requirePredictor().recognize(images, JSON.parse(key) as RecognizeOptions),
      {
        maxBatchSize: config.max_batch_size,
        maxWaitMs: config.max_wait_ms,
        maxQueue: config.max_queue,
        // Only wait for company when other requests are still preprocessing.
        moreComing: () => this.preparing > 0,
        rowsPerItem: (key) => (JSON.parse(key) as { beamWidth: number }).beamWidth,
        pauseRatio: config.batch_pause_ratio,
      },
      ({ size, seconds }) => {
        metrics.batchSize.observe(size);
        metrics.batchSeconds.observe(seconds);
        metrics.lines.inc(size);
      },
    );
    this.loading = load().then(
      async (loaded) => {
        this.loaded = loaded;
        this.predictor = new Predictor(loaded.recognizer, loaded.lm?.fusion);
        await warmUp(this.predictor, loaded.recognizer.dataConfig.inputDims);
        this.state = 'ready';
        metrics.modelLoaded.set(1);
      },
      (err: unknown) => {
        this.state = 'failed';
        this.error = err;
      },
    );
  }

  /** Settles when loading finished, either way (check `state`). */
  whenLoaded(): Promise<void> {
    return this.loading;
  }

  requirePredictor(): Predictor {
    if (!this.predictor) throw htrError('HTR_ERR_NOT_READY');
    return this.predictor;
  }

  /**
   * One request through the shared pipeline (`Predictor.predict`), its lines
   * recognized in micro-batches with other requests'. Tracked for `close`.
   */
  predict(
    image: Buffer,
    label: string,
    options: Pick<PredictionOptions, 'mode' | 'decoding' | 'beamWidth' | 'signal' | 'startedAt'> & { readonly client?: string },
  ): Promise<Prediction> {
    const { client, ...rest } = options;
    return this.track((ticket) =>
      this.requirePredictor().predict(image, {
        ...rest,
        label,
        limitInputPixels: this.config.max_pixels,
        maxImageWidth: this.config.max_image_width,
        maxImageHeight: this.config.max_image_height,
        maxLines: this.maxLines(options.decoding ?? 'auto', options.beamWidth ?? 1),
        recognize: (images, o) => this.recognize(images, o, options.signal, ticket, client),
      }),
    );
  }

  /** Lines one request may queue: `max_lines`, and `max_beam_lines` / beam width for beam modes. */
  maxLines(decoding: Decoding, beamWidth: number): number {
    const mode = resolveDecoding(this.requirePredictor().recognizer, decoding);
    const beams = DECODE_MODES[mode].usesBeamWidth ? beamWidth : 1;
    return Math.max(1, Math.min(this.config.max_lines, Math.floor(this.config.max_beam_lines / beams)));
  }

  /** Queues lines for the micro-batcher; lines with equal options share batches. */
  recognize(images: readonly GrayImage[], options: Required<RecognizeOptions>, signal?: AbortSignal, ticket?: Ticket, client?: string): Promise<LinePrediction[]> {
    this.requirePredictor();
    this.handOff(ticket);
    // Modes that ignore the beam width share batches whatever width was asked for.
    const mode = resolveDecoding(this.requirePredictor().recognizer, options.decoding);
    const key = JSON.stringify({ decoding: mode, beamWidth: DECODE_MODES[mode].usesBeamWidth ? options.beamWidth : 1 });
    return this.batcher.submit(key, images, signal, client);
  }

  /** Requests currently preprocessing or decoding. */
  get activeRequests(): number {
    return this.active;
  }

  /** Runs one request's work; `close` waits for every tracked call to finish. */
  async track<T>(work: (ticket: Ticket) => Promise<T>): Promise<T> {
    const ticket: Ticket = { preparing: true };
    this.active++;
    this.preparing++;
    try {
      return await work(ticket);
    } finally {
      this.handOff(ticket);
      this.active--;
      if (this.active === 0) this.idle.splice(0).forEach((w) => w());
    }
  }

  /** The request stopped preprocessing (its lines are queued, or it failed). */
  private handOff(ticket: Ticket | undefined): void {
    if (ticket?.preparing) {
      ticket.preparing = false;
      this.preparing--;
    }
  }

  async close(): Promise<void> {
    await this.loading;
    if (this.active > 0) await new Promise<void>((resolve) => this.idle.push(resolve));
    await this.batcher.drain();
    this.loaded?.recognizer.dispose();
    this.predictor = undefined;
  }
}

declare module 'fastify' {
  interface FastifyInstance {
    htr: ModelService;
    metrics: ServerMetrics;
    serverConfig: ServerConfig;
  }
}

export const modelPlugin = fp(
  async (app: FastifyInstance, opts: { load: ModelLoader }) => {
    const service = new ModelService(opts.load, app.serverConfig, app.metrics);
    app.decorate('htr', service);
    service.whenLoaded().then(() => {
      if (service.state === 'failed') app.log.error({ err: service.error }, 'model failed to load');
      else app.log.info({ model: service.loaded?.name, tensors: tf.memory().numTensors }, 'model ready');
    });
    // Fastify stops accepting requests first, then runs onClose: in-flight work finishes.
    app.addHook('onClose', async () => service.close());
  },
  { name: 'htr-model', dependencies: ['htr-metrics'] },
);

/**
 * Two recognitions of a blank single line before the server says it is ready: the first
 * request then finds its kernels loaded and, on native, the single-line pass compiled
 * (a shape is compiled on its second run, models/compiled_functions.ts).
 */
async function warmUp(predictor: Predictor, [, height, width]: readonly number[]): Promise<void> {
  const line: GrayImage = { height: height!, width: Math.min(width!, WARM_UP_WIDTH), data: new Float32Array(height! * Math.min(width!, WARM_UP_WIDTH)) };
  for (let i = 0; i < 2; i++) await predictor.recognize([line]);
}

/** A short line (px); other widths compile on their own second run. */
const WARM_UP_WIDTH = 256;
