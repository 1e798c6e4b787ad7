/**
 * Weights & Biases through `@wandb/sdk` 0.5.1, imported only when `logger.wandb`
 * is on (offline users never load it). That SDK can send the run config and
 * scalar metrics; its Image/Table types throw, so tables and images stay in the
 * local run directory (see README "Experiment tracking").
 *
 * Two SDK behaviours are contained here:
 * - `init` installs SIGINT/SIGTERM/beforeExit handlers, and its SIGINT handler
 *   calls `process.exit()`, which would kill the Trainer before it saves its
 *   interrupt checkpoint. We remove exactly the listeners it added and finish
 *   the run ourselves from `finish()`.
 * - `init` never settles if the server does not answer, and `finish` retries for
 *   minutes; both get timeouts.
 */
import { htrError } from '../errors.js';
import type { Logger } from './types.js';

/** The part of the SDK's Run we use. */
interface WandbRun {
  readonly id: string;
  log(data: Record<string, unknown>, step?: number, commit?: boolean): void;
  finish(code?: number): Promise<void>;
  url(): string;
}

interface WandbSdk {
  init(opts: {
    project?: string;
    entity?: string;
    id?: string;
    name?: string;
    config?: unknown;
    settings?: { apiKey?: string; baseUrl: string; silent?: boolean };
  }): Promise<WandbRun>;
}

export interface WandbLoggerOptions {
  readonly project: string;
  readonly entity?: string | undefined;
  readonly runId: string;
  readonly name: string;
  readonly config: Record<string, unknown>;
  /** Defaults to process.env (WANDB_API_KEY, WANDB_BASE_URL). */
  readonly env?: NodeJS.ProcessEnv;
  readonly initTimeoutMs?: number;
  readonly finishTimeoutMs?: number;
  /** Where to say the run URL (stderr in the CLI). */
  readonly log?: (message: string) => void;
}

/** x-axis key so W&B charts can plot against our optimizer step. */
export const WANDB_STEP_KEY = 'trainer/global_step';
const SIGNALS = ['SIGINT', 'SIGTERM', 'beforeExit'] as const;
const EXIT_CODES = { success: 0, failed: 1, interrupted: 255 } as const;

export class WandbLogger implements Logger {
  private finished = false;

  private constructor(
    private readonly run: WandbRun,
    private readonly finishTimeoutMs: number,
  ) {}

  get runId(): string {
    return this.run.id;
  }

  get url(): string {
    return this.run.url();
  }

  static async create(opts: WandbLoggerOptions): Promise<WandbLogger> {
    const env = opts.env ?? process.env;
    const apiKey = env.WANDB_API_KEY ?? '';
    if (apiKey === '') throw htrError('HTR_ERR_LOGGER_UNAVAILABLE', { value: 'wandb', reason: 'WANDB_API_KEY is not set (get one at https://wandb.ai/authorize, or set logger.wandb=false)' });
    const baseUrl = (env.WANDB_BASE_URL ?? '').replace(/\/+$/, '') || 'https://api.wandb.ai';
    let sdk: WandbSdk;
    try {
      sdk = ((await import('@wandb/sdk')) as unknown as { default: WandbSdk }).default;
    } catch (err) {
      throw htrError('HTR_ERR_LOGGER_UNAVAILABLE', { value: 'wandb', reason: `cannot load @wandb/sdk (npm install @wandb/sdk@0.5.1): ${message(err)}` }, err);
    }
    type Listener = (...args: unknown[]) => void;
    const listeners = (s: (typeof SIGNALS)[number]) => process.listeners(s as 'SIGINT') as Listener[];
    const before = new Map(SIGNALS.map((s) => [s, new Set(listeners(s))]));
    const removeSdkHandlers = () => {
      for (const s of SIGNALS) {
        for (const l of listeners(s)) if (!before.get(s)?.has(l)) process.removeListener(s as 'SIGINT', l);
      }
    };
    const timeoutMs = opts.initTimeoutMs ?? 30_000;
    let timer: NodeJS.Timeout | undefined;
    try {
      const run = await Promise.race([
        sdk.init({
          project: opts.project,
          ...(opts.entity ? { entity: opts.entity } : {}),
          id: wandbId(opts.runId),
          name: opts.name,
          config: opts.config,
          settings: { apiKey, baseUrl, silent: true },
        }),
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new Error(`no answer from ${baseUrl} within ${timeoutMs} ms`)), timeoutMs);
        }),
      ]);
      opts.log?.(`wandb: sending config and scalars to ${run.url()}`);
      return new WandbLogger(run, opts.finishTimeoutMs ?? 60_000);
    } catch (err) {
      throw htrError('HTR_ERR_LOGGER_UNAVAILABLE', { value: 'wandb', reason: `${message(err)} (server ${baseUrl})` }, err);
    } finally {
      clearTimeout(timer);
      // The handlers are registered inside init's promise chain: gone by now either way.
      removeSdkHandlers();
    }
  }

  /** Sent once at init (the SDK cannot update config later). */
  logConfig(): void {}

  logMetrics(metrics: Readonly<Record<string, number>>, step: number): void {
    if (this.finished) return;
    const data: Record<string, unknown> = { [WANDB_STEP_KEY]: step };
    // JSON has no NaN/Infinity; W&B would receive null. Leave them out.
    for (const [k, v] of Object.entries(metrics)) if (Number.isFinite(v)) data[k] = v;
    // No explicit step: the SDK numbers rows itself, one per call, so several calls
    // at one trainer step never collide; our step travels as WANDB_STEP_KEY.
    this.run.log(data);
  }

  /** Not supported by @wandb/sdk 0.5.1 (its Table/Image throw); tables stay local. */
  logTable(): void {}

  async finish(status: 'success' | 'failed' | 'interrupted'): Promise<void> {
    if (this.finished) return;
    this.finished = true;
    // Log calls are queued over a MessagePort; let them reach the sender before finish closes it.
    await new Promise((r) => setTimeout(r, 20));
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        this.run.finish(EXIT_CODES[status]),
        new Promise<void>((resolve) => {
          timer = setTimeout(() => {
            process.emitWarning(`wandb: finish did not complete within ${this.finishTimeoutMs} ms; some metrics may be missing on the server`);
            resolve();
          }, this.finishTimeoutMs);
        }),
      ]);
    } finally {
      clearTimeout(timer);
    }
  }
}

/** W&B run ids allow letters, digits, - and _. */
export function wandbId(runId: string): string {
  return runId.replace(/[^A-Za-z0-9_-]/g, '-').slice(0, 64);
}

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
