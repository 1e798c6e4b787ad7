import { existsSync, mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import YAML from 'yaml';
import { describe, expect, it } from 'vitest';
import { configToYaml } from '../../../model_package/config/print.js';
import { LocalLogger } from '../../../model_package/loggers/local_logger.js';
import type { TableRecord } from '../../../model_package/loggers/types.js';
import { collectEnvironment } from '../../../model_package/loggers/environment.js';
import { createRunDir, makeRunId, RUN_FILES } from '../../../model_package/loggers/run_dir.js';
import { isHtrError } from '../../../model_package/errors.js';
import { strokeImage } from './synthetic_run.js';

const tmp = () => mkdtempSync(join(tmpdir(), 'htr-local-logger-'));

describe('LocalLogger', () => {
  it('writes config.yaml as --print_config prints it, metrics.jsonl, PNG tables, environment and run.json', async () => {
    const runDir = createRunDir(tmp(), 'exp', 'r1');
    const logger = new LocalLogger({ runDir, experiment: 'exp', runId: 'r1', tableRows: 2 });
    const config = { trainer: { max_epochs: 3, default_root_dir: 'runs' }, optimizer: { name: 'Adam', lr: 0.001, betas: [0.9, 0.999] }, seed_everything: 42 };
    logger.logConfig(config);
    logger.logEnvironment(collectEnvironment({ seed: 42, backend: 'cpu' }));
    logger.logRunShape({ stepsPerEpoch: 10, totalSteps: 30 });
    logger.logMetrics({ 'train/loss': 2.5, lr: 0.001, epoch: 0 }, 5);
    logger.logMetrics({ 'val/cer': 0.5, 'model/num_parameters': 1234 }, 10);
    const rows = [
      { id: 'good', image: strokeImage('ab'), groundTruth: 'ab', prediction: 'ab', cer: 0 },
      { id: 'worst', image: strokeImage('hello'), groundTruth: 'hello', prediction: 'h', cer: 0.8 },
      { id: 'mid', image: strokeImage('cd'), groundTruth: 'cd', prediction: 'cx', cer: 0.5 },
    ];
    await logger.logTable('val/predictions', rows, 10);
    await logger.finish('interrupted');
    // The CLI finishes again after the Trainer did: the first status stands.
    await logger.finish('success');

    expect(readFileSync(join(runDir, RUN_FILES.config), 'utf8')).toBe(configToYaml(config));
    expect(YAML.parse(readFileSync(join(runDir, RUN_FILES.config), 'utf8'))).toEqual(config);

    const lines = readFileSync(join(runDir, RUN_FILES.metrics), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, number>);
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatchObject({ step: 5, 'train/loss': 2.5, lr: 0.001, epoch: 0 });
    expect(typeof lines[0]?.time).toBe('number');
    expect(lines[1]).toMatchObject({ step: 10, 'val/cer': 0.5 });

    // Worst CER first, capped at tableRows; images are real PNGs of the line.
    const table = JSON.parse(readFileSync(join(runDir, RUN_FILES.tables), 'utf8').trim()) as TableRecord;
    expect(table).toMatchObject({ name: 'val/predictions', step: 10, epoch: 0 });
    expect(table.rows.map((r) => r.id)).toEqual(['worst', 'mid']);
    const png = join(runDir, table.rows[0]?.image as string);
    expect(png.startsWith(join(runDir, 'media'))).toBe(true);
    expect((await sharp(png).metadata()).channels).toBe(1);
    const { data, info } = await sharp(png).greyscale().raw().toBuffer({ resolveWithObject: true });
    expect([info.width, info.height, info.channels]).toEqual([160, 28, 1]);
    // Ink (1.0) is drawn dark on white paper.
    const src = strokeImage('hello');
    const inkIdx = src.data.findIndex((v) => v === 1);
    expect(data[inkIdx]).toBe(0);
    expect(data[0]).toBe(255);

    const env = JSON.parse(readFileSync(join(runDir, RUN_FILES.environment), 'utf8')) as Record<string, unknown>;
    expect(env).toMatchObject({ node: process.version, backend: 'cpu', seed: 42 });
    expect((env.packages as Record<string, string>)['@tensorflow/tfjs-core']).toMatch(/^\d+\.\d+\.\d+/);
    expect(env.git === null || /^[0-9a-f]{40}$/.test((env.git as { commit: string }).commit)).toBe(true);

    const info2 = JSON.parse(readFileSync(join(runDir, RUN_FILES.run), 'utf8')) as Record<string, unknown>;
    expect(info2).toMatchObject({ experiment: 'exp', runId: 'r1', status: 'interrupted', stepsPerEpoch: 10, totalSteps: 30, model: { 'model/num_parameters': 1234 } });
    expect(typeof info2.endedAt).toBe('string');
    expect(readFileSync(join(runDir, RUN_FILES.report), 'utf8')).toContain('<svg');
    // No temporary files left behind by the atomic writes.
    expect(readdirSync(runDir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });

  it('updates the backend once the Trainer has chosen it', () => {
    const runDir = createRunDir(tmp(), 'exp', 'r2');
    const logger = new LocalLogger({ runDir, experiment: 'exp', runId: 'r2', tableRows: 1 });
    logger.logEnvironment(collectEnvironment({ seed: 1 }));
    logger.updateBackend('wasm');
    expect(JSON.parse(readFileSync(join(runDir, RUN_FILES.environment), 'utf8')).backend).toBe('wasm');
  });
});

describe('run directories', () => {
  it('makes sortable unique run ids', () => {
    const a = makeRunId(new Date('2026-11-23T17:40:12Z'));
    expect(a).toMatch(/^20261123-174012-[0-9a-f]{4}$/);
    expect(makeRunId()).not.toBe(makeRunId());
  });

  it('creates checkpoints/ and media/ and rejects names that escape the root', () => {
    const root = tmp();
    const dir = createRunDir(root, 'exp', 'r');
    expect(existsSync(join(dir, 'checkpoints'))).toBe(true);
    expect(existsSync(join(dir, 'media'))).toBe(true);
    for (const [exp, id] of [['../x', 'r'], ['exp', '..'], ['a/b', 'r'], ['exp', '']] as const) {
      const err = (() => {
        try {
          createRunDir(root, exp, id);
        } catch (e) {
          return e;
        }
        return undefined;
      })();
      expect(isHtrError(err, 'HTR_ERR_CONFIG_INVALID')).toBe(true);
    }
  });
});
