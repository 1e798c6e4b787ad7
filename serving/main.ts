/**
 * `npm start` / `tsx serving/main.ts [--checkpoint FILE] [--port N] [--KEY VALUE]...`:
 * serves a checkpoint (default: the bundled demo model). Flags come from
 * `ServerConfig`; `--api-key` may also come from env HTR_API_KEY.
 * SIGINT/SIGTERM close gracefully: no new requests, in-flight ones finish.
 */
import { z } from 'zod';
import { initBackend } from '../model_package/backend/index.js';
import { flagHelp, parseFlags } from '../model_package/config/flags.js';
import { isHtrError } from '../model_package/errors.js';
import { buildServer } from './app.js';
import { ServerConfig } from './config.js';
import { checkpointLoader } from './load_model.js';

const USAGE = 'Usage: npm start -- [--checkpoint FILE] [--host H] [--port N] [--api_key KEY] [--OPTION VALUE]...';

/** `--port 8080`, `--port=8080`, `--api-key x` (dashes or underscores) -> raw object for ServerConfig. */
export function parseServerArgs(argv: readonly string[], env: NodeJS.ProcessEnv = process.env): Record<string, unknown> | 'help' {
  const parsed = parseFlags(ServerConfig, argv);
  if (parsed === 'help') return parsed;
  const raw = parsed.values;
  return env.HTR_API_KEY && raw.api_key === undefined ? { ...raw, api_key: env.HTR_API_KEY } : raw;
}

function help(): string {
  return `${USAGE}\n\n${flagHelp(ServerConfig)}\n`;
}

export async function main(argv: readonly string[]): Promise<number> {
  let raw: Record<string, unknown> | 'help';
  try {
    raw = parseServerArgs(argv);
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\n`);
    return 2;
  }
  if (raw === 'help') {
    process.stdout.write(help());
    return 0;
  }
  const parsed = ServerConfig.safeParse(raw);
  if (!parsed.success) {
    process.stderr.write(`${z.prettifyError(parsed.error)}\n`);
    return 2;
  }
  const config = parsed.data;
  const log = (m: string): void => void process.stderr.write(`${m}\n`);
  await initBackend({ accelerator: config.accelerator, numThreads: config.num_threads, log });
  const app = await buildServer({ config: { ...config, logger: config.logger }, loadModel: checkpointLoader(config.checkpoint, config) });
  await app.listen({ host: config.host, port: config.port });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  log(`htr-ts serving ${config.checkpoint} on http://${config.host}:${port}/ (API docs at /docs${config.api_key ? ', API key required' : ''})`);
  app.htr.whenLoaded().then(() => {
    if (app.htr.state === 'ready') log(`model ready: ${app.htr.loaded?.name}`);
    else {
      const err = app.htr.error;
      log(`model failed to load: ${isHtrError(err) || err instanceof Error ? err.message : String(err)}`);
      process.exitCode = 1;
      void app.close();
    }
  });
  let closing = false;
  const shutdown = (signal: string): void => {
    if (closing) return;
    closing = true;
    log(`${signal}: finishing in-flight requests, then exiting`);
    app.close().then(
      () => process.exit(process.exitCode ?? 0),
      (err: unknown) => {
        log(String(err));
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', () => shutdown('SIGINT'));
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  return 0;
}

if (process.argv[1] && import.meta.url.endsWith(process.argv[1].split('/').pop() as string)) {
  main(process.argv.slice(2)).then(
    (code) => {
      if (code !== 0) process.exit(code);
    },
    (err: unknown) => {
      process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
      process.exit(1);
    },
  );
}
