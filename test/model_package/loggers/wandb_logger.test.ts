import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { isHtrError } from '../../../model_package/errors.js';
import { WANDB_STEP_KEY, WandbLogger, wandbId } from '../../../model_package/loggers/wandb_logger.js';
import { startFakeWandb, type FakeWandb } from './fake_wandb_server.js';

const KEY = 'k'.repeat(40);
let fake: FakeWandb | undefined;
afterEach(async () => {
  await fake?.close();
  fake = undefined;
});

describe('WandbLogger against a fake W&B server', () => {
  it('sends the config at init and every scalar as a history row, then completes with the exit code', async () => {
    fake = await startFakeWandb();
    const sigintBefore = process.listenerCount('SIGINT');
    const config = { seed_everything: 7, trainer: { max_epochs: 2 }, logger: { experiment: 'e' } };
    const logger = await WandbLogger.create({ project: 'proj', entity: 'team', runId: 'run.1=a', name: 'e-run1', config, env: { WANDB_API_KEY: KEY, WANDB_BASE_URL: fake.url } });
    // The SDK's SIGINT handler (which calls process.exit) is gone.
    expect(process.listenerCount('SIGINT')).toBe(sigintBefore);
    logger.logMetrics({ 'train/loss': 2.5, lr: 1e-3 }, 10);
    logger.logMetrics({ 'train/loss': 1.25, lr: 5e-4, bad: Number.NaN }, 20);
    logger.logMetrics({ 'val/cer': 0.4, 'val/loss': 1.5 }, 20);
    await logger.logTable();
    await logger.finish('success');
    await logger.finish('success'); // idempotent

    expect(fake.upsertedConfig()).toEqual(config);
    const gql = fake.requests.filter((r) => r.path === '/graphql');
    expect(gql.length).toBeGreaterThanOrEqual(2);
    expect(gql[0]?.authorization).toBe(`Basic ${Buffer.from(`api:${KEY}`).toString('base64')}`);
    const upsert = gql.find((r) => JSON.stringify(r.body).includes('UpsertBucket'))?.body as { variables: Record<string, unknown> };
    expect(upsert.variables).toMatchObject({ name: 'run-1-a', project: 'proj', entity: 'team', displayName: 'e-run1' });
    expect(fake.requests.some((r) => r.path === '/files/team/proj/run-1-a/file_stream')).toBe(true);

    const rows = fake.history();
    expect(rows.map((r) => r[WANDB_STEP_KEY])).toEqual([10, 20, 20]);
    expect(rows[0]).toMatchObject({ 'train/loss': 2.5, lr: 1e-3 });
    expect(rows[1]).toMatchObject({ 'train/loss': 1.25, lr: 5e-4 });
    expect(rows[1]).not.toHaveProperty('bad');
    expect(rows[2]).toMatchObject({ 'val/cer': 0.4, 'val/loss': 1.5 });
    expect(fake.completions()).toEqual([{ complete: true, exitcode: 0 }]);
  });

  it('refuses to start without WANDB_API_KEY, naming the variable', async () => {
    const err = await WandbLogger.create({ project: 'p', runId: 'r', name: 'r', config: {}, env: {} }).catch((e: unknown) => e);
    expect(isHtrError(err, 'HTR_ERR_LOGGER_UNAVAILABLE')).toBe(true);
    expect(String((err as Error).message)).toContain('WANDB_API_KEY');
  });

  it('turns a rejected key into HTR_ERR_LOGGER_UNAVAILABLE and leaves no signal handlers behind', async () => {
    fake = await startFakeWandb({ rejectKey: true });
    const before = process.listenerCount('SIGINT');
    const err = await WandbLogger.create({ project: 'p', runId: 'r', name: 'r', config: {}, env: { WANDB_API_KEY: KEY, WANDB_BASE_URL: fake.url } }).catch((e: unknown) => e);
    expect(isHtrError(err, 'HTR_ERR_LOGGER_UNAVAILABLE')).toBe(true);
    expect(String((err as Error).message)).toContain(fake.url);
    expect(process.listenerCount('SIGINT')).toBe(before);
  });

  it('keeps run ids W&B accepts', () => {
    expect(wandbId('20261123-174012-a3f9')).toBe('20261123-174012-a3f9');
    expect(wandbId('epoch=3.v2')).toBe('epoch-3-v2');
  });

  it('Ctrl-C during a real fit still saves last.ckpt and finishes every logger (the SDK hooks SIGINT too)', async () => {
    fake = await startFakeWandb();
    const root = mkdtempSync(join(tmpdir(), 'htr-wandb-sigint-'));
    const child = spawn(process.execPath, ['--import', 'tsx', join(import.meta.dirname, 'fixtures', 'wandb_sigint_child.ts'), root], {
      env: { ...process.env, WANDB_API_KEY: KEY, WANDB_BASE_URL: fake.url },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    await new Promise<void>((resolve, reject) => {
      child.stdout.on('data', (d: Buffer) => {
        stdout += d.toString();
        if (stdout.includes('READY')) resolve();
      });
      child.on('exit', () => reject(new Error(`child exited early: ${stdout} ${stderr}`)));
    });
    child.kill('SIGINT');
    const code = await exited;
    expect(code, `${stdout}\n${stderr}`).toBe(0);
    expect(stdout).toMatch(/FIT RETURNED interrupted step=\d+/);
    const runDir = join(root, 'sigint', 'child');
    expect(existsSync(join(runDir, 'checkpoints', 'last.ckpt'))).toBe(true);
    expect(JSON.parse(readFileSync(join(runDir, 'run.json'), 'utf8')).status).toBe('interrupted');
    const steps = Number(/step=(\d+)/.exec(stdout)?.[1]);
    // W&B got the interrupt as its exit code, the model size, and the loss of every step.
    expect(fake.completions()).toEqual([{ complete: true, exitcode: 255 }]);
    const rows = fake.history();
    expect(rows[0]).toMatchObject({ [WANDB_STEP_KEY]: 0, 'model/num_parameters': expect.any(Number) });
    expect(rows.filter((r) => 'train/loss' in r).map((r) => r[WANDB_STEP_KEY])).toEqual(Array.from({ length: steps }, (_, i) => i + 1));
    expect(fake.upsertedConfig()).toMatchObject({ model: { name: 'ResnetTransformer' } });
  });
});
