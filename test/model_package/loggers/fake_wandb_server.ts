/**
 * A tiny stand-in for api.wandb.ai on 127.0.0.1: answers the two GraphQL calls
 * @wandb/sdk makes (Viewer, UpsertBucket) and records every request, including
 * the file_stream posts that carry history rows. Tests assert on what arrived.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface RecordedRequest {
  readonly method: string;
  readonly path: string;
  readonly authorization: string | undefined;
  readonly body: unknown;
}

export interface FakeWandb {
  readonly url: string;
  readonly requests: RecordedRequest[];
  /** History rows (parsed) posted to file_stream, in order. */
  history(): Array<Record<string, unknown>>;
  /** The `config` JSON string sent with UpsertBucket, parsed. */
  upsertedConfig(): unknown;
  /** file_stream posts with `complete: true`. */
  completions(): Array<{ complete: boolean; exitcode: number }>;
  close(): Promise<void>;
}

export async function startFakeWandb(opts: { rejectKey?: boolean } = {}): Promise<FakeWandb> {
  const requests: RecordedRequest[] = [];
  const server: Server = createServer(async (req, res) => {
    const text = await readBody(req);
    let body: unknown = text;
    try {
      body = JSON.parse(text);
    } catch {
      /* keep text */
    }
    requests.push({ method: req.method ?? '', path: req.url ?? '', authorization: req.headers.authorization, body });
    res.setHeader('content-type', 'application/json');
    if (opts.rejectKey) {
      res.statusCode = 401;
      res.end(JSON.stringify({ errors: [{ message: 'invalid api key' }] }));
      return;
    }
    if (req.url === '/graphql') {
      const { query = '', variables = {} } = body as { query?: string; variables?: Record<string, unknown> };
      if (query.includes('Viewer')) {
        res.end(JSON.stringify({ data: { viewer: { id: 'u1', entity: 'fake-entity', flags: '{}', teams: { edges: [] } } } }));
      } else if (query.includes('UpsertBucket')) {
        const bucket = {
          id: 'b1', name: variables.name, displayName: 'fake-display', description: null, config: variables.config, sweepName: null,
          project: { id: 'p1', name: variables.project, entity: { id: 'e1', name: variables.entity } },
        };
        res.end(JSON.stringify({ data: { upsertBucket: { bucket, inserted: true } } }));
      } else {
        res.end(JSON.stringify({ data: {} }));
      }
      return;
    }
    res.end('{}');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  const streams = () => requests.filter((r) => r.path.endsWith('/file_stream')).map((r) => r.body as Record<string, unknown>);
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    history: () =>
      streams().flatMap((b) => {
        const files = (b.files ?? {}) as Record<string, { content: string[] }>;
        return (files['wandb-history.jsonl']?.content ?? []).map((line) => JSON.parse(line) as Record<string, unknown>);
      }),
    upsertedConfig: () => {
      const up = requests.find((r) => r.path === '/graphql' && String((r.body as { query?: string }).query).includes('UpsertBucket'));
      const cfg = (up?.body as { variables?: { config?: string } } | undefined)?.variables?.config;
      return cfg === undefined ? undefined : JSON.parse(cfg);
    },
    completions: () => streams().filter((b) => b.complete === true) as Array<{ complete: boolean; exitcode: number }>,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}
