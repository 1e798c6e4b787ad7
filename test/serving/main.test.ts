import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildServer } from '../../serving/app.js';
import { checkpointLoader } from '../../serving/load_model.js';
import { parseServerArgs } from '../../serving/main.js';
import { ServerConfig } from '../../serving/config.js';
import { linePng, tinyCheckpoint, tinyRecognizer, useCpu } from './helpers.js';

let dir: string;
let ckpt: string;

beforeAll(async () => {
  await useCpu();
  dir = mkdtempSync(join(tmpdir(), 'htr-serve-'));
  ckpt = join(dir, 'tiny.ckpt');
  await tinyCheckpoint(ckpt);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('serving a checkpoint', () => {
  it('checkpointLoader rebuilds the model: same predictions as the in-memory one, metadata on /v1/model', async () => {
    const png = await linePng(21);
    const fromFile = await buildServer({ loadModel: checkpointLoader(ckpt), config: { docs: false } });
    const inMemory = await buildServer({ loadModel: async () => ({ recognizer: tinyRecognizer(), name: 'mem' }), config: { docs: false } });
    try {
      await Promise.all([fromFile.htr.whenLoaded(), inMemory.htr.whenLoaded()]);
      const req = { method: 'POST' as const, url: '/v1/predict', payload: png, headers: { 'content-type': 'image/png' } };
      const a = (await fromFile.inject(req)).json<{ text: string; confidence: number; model: string }>();
      const b = (await inMemory.inject(req)).json<{ text: string; confidence: number }>();
      expect(a.text).toBe(b.text);
      expect(a.confidence).toBeCloseTo(b.confidence, 5);
      expect(a.model).toMatch(/^ResnetTransformer:.*tiny\.ckpt$/);
      const info = (await fromFile.inject({ url: '/v1/model' })).json<{ checkpoint: string; metadata: { epoch: number; global_step: number }; config: { data: { name: string } } }>();
      expect(info.checkpoint).toBe(ckpt);
      expect(info.metadata).toMatchObject({ epoch: 3, global_step: 120 });
      expect(info.config.data.name).toBe('SyntheticLines');
    } finally {
      await Promise.all([fromFile.close(), inMemory.close()]);
    }
  });

  it('a missing checkpoint leaves the server up but not ready, with the reason', async () => {
    const app = await buildServer({ loadModel: checkpointLoader(join(dir, 'nope.ckpt')), config: { docs: false } });
    await app.htr.whenLoaded();
    const res = await app.inject({ url: '/v1/ready' });
    expect(res.statusCode).toBe(500);
    expect(res.json<{ error: { message: string } }>().error.message).toMatch(/nope\.ckpt/);
    await app.close();
  });

  it('parses flags from the ServerConfig schema, with HTR_API_KEY from the environment', () => {
    const raw = parseServerArgs(['--port', '8080', '--max-batch-size=4', '--checkpoint', 'x.ckpt', '--logger'], { HTR_API_KEY: 'k' });
    expect(ServerConfig.parse(raw)).toMatchObject({ port: 8080, max_batch_size: 4, checkpoint: 'x.ckpt', logger: true, api_key: 'k' });
    expect(() => parseServerArgs(['--prot', '1'], {})).toThrow(/unknown option --prot/);
    expect(parseServerArgs(['--help'], {})).toBe('help');
  });

  it('`tsx serving/main.ts` serves a checkpoint and exits cleanly on SIGTERM', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'serving/main.ts', '--checkpoint', ckpt, '--port', '0', '--accelerator', 'cpu'], {
      cwd: process.cwd(),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let log = '';
    child.stderr.on('data', (d: Buffer) => (log += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    try {
      const deadline = Date.now() + 60_000;
      while (!/model ready/.test(log) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
      expect(log).toMatch(/model ready/);
      const port = Number(/http:\/\/127\.0\.0\.1:(\d+)\//.exec(log)?.[1]);
      const ready = await fetch(`http://127.0.0.1:${port}/v1/ready`);
      expect(ready.status).toBe(200);
      child.kill('SIGTERM');
      expect(await exited).toBe(0);
      expect(log).toMatch(/SIGTERM: finishing in-flight requests/);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  });
});
