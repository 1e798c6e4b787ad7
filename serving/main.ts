/**
 * `npm start` / `tsx serving/main.ts [--checkpoint FILE] [--port N] [--KEY VALUE]...`:
 * serves a checkpoint (default: the bundled demo model). Flags come from
 * `ServerConfig`; `--api-key` may also come from env HTR_API_KEY.
 * SIGINT/SIGTERM close gracefully: no new requests, in-flight ones finish.
 */
import { z } from 'zod';
import { initBackend } from '../model_package/backend/index.js';
import { optionRows } from '../model_package/config/help.js';
import { parseScalar } from '../model_package/config/argv.js';
import { isHtrError } from '../model_package/errors.js';
import { buildServer } from './app.js';
import { ServerConfig } from './config.js';
import { checkpointLoader } from './load_model.js';

const USAGE = 'Usage: npm start -- [--checkpoint FILE] [--host H] [--port N] [--api_key KEY] [--OPTION VALUE]...';

/** `--port 8080`, `--port=8080`, `--api-key x` (dashes or underscores) -> raw object for ServerConfig. */
export function parseServerArgs(argv: readonly string[], env: NodeJS.ProcessEnv = process.env): Record<string, unknown> | 'help' {
  const known = new Set(Object.keys(ServerConfig.shape));
  const out: Record<string, unknown> = {};
  if (env.HTR_API_KEY) out.api_key = env.HTR_API_KEY;
  for (let i = 0; i < argv.length; i++) {
    const tok = argv[i] as string;
    if (tok === '-h' || tok === '--help') return 'help';
    if (!tok.startsWith('--')) throw new Error(`unexpected argument "${tok}"\n${USAGE}`);
    const eq = tok.indexOf('=');
    const key = tok.slice(2, eq === -1 ? undefined : eq).replace(/-/g, '_');
    if (!known.has(key)) throw new Error(`unknown option --${key}; known: ${[...known].map((k) => `--${k}`).join(' ')}`);
    let text = eq === -1 ? undefined : tok.slice(eq + 1);
    if (text === undefined) {
      const next = argv[i + 1];
      const field = (ServerConfig.shape as Record<string, z.ZodType>)[key] as z.ZodType;
      const isBool = typeof field.safeParse(undefined).data === 'boolean';
      if (next === undefined || next.startsWith('--')) {
        if (!isBool) throw new Error(`--${key} needs a value`);
        text = 'true';
      } else {
        text = next;
        i++;
      }
    }
    // Keys and paths stay strings; numbers and booleans parse as YAML scalars.
    out[key] = ['checkpoint', 'api_key', 'host'].includes(key) ? text : parseScalar(text);
  }
  return out;
}

function help(): string {
  const rows = optionRows(ServerConfig);
  const w = Math.max(...rows.map((r) => r.flag.length));
  return `${USAGE}\n\n${rows.map((r) => `  ${r.flag.padEnd(w)}  ${r.type.padEnd(18)} default ${r.default.padEnd(10)} ${r.description}`).join('\n')}\n`;
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
  const app = await buildServer({ config: { ...config, logger: config.logger }, loadModel: checkpointLoader(config.checkpoint) });
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
