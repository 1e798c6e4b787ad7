/**
 * Test helpers: an in-memory CLI io, temp YAML files, and a small model class
 * registered under a test-only name so config tests do not depend on which
 * real models are registered yet.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';
import { MODEL_REGISTRY } from '../../../model_package/models/registry.js';
import type { DataConfig } from '../../../model_package/core/data_types.js';
import type { Recognizer } from '../../../model_package/models/types.js';

export const TEST_MODEL = 'ConfigTestModel';

export const ConfigTestModelConfig = z.object({
  d_model: z.number().int().positive().default(32).describe('width of the test model'),
  max_seq_length: z.number().int().positive().default(100).describe('longest output incl. <S> and <E> (linked from data)'),
  dropout: z.number().min(0).max(1).default(0.1).describe('dropout rate'),
});

/** What the last `create` call received, so linking tests can look at it. */
export const created: Array<{ config: Record<string, unknown>; dataConfig: DataConfig }> = [];

export function registerTestModel(): void {
  MODEL_REGISTRY[TEST_MODEL] = {
    schema: ConfigTestModelConfig,
    description: 'config tests only',
    create: (config, dataConfig) => {
      created.push({ config: config as Record<string, unknown>, dataConfig });
      // Only the config handed over matters to these tests; nothing calls the model.
      return { dataConfig, dispose: () => undefined } as unknown as Recognizer;
    },
  };
}

export interface CapturedIo {
  readonly stdout: { write(text: string): boolean };
  readonly stderr: { write(text: string): boolean };
  out(): string;
  err(): string;
}

export function captureIo(): CapturedIo {
  let out = '';
  let err = '';
  return {
    stdout: { write: (t: string) => ((out += t), true) },
    stderr: { write: (t: string) => ((err += t), true) },
    out: () => out,
    err: () => err,
  };
}

export function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'htr-config-'));
}

export function writeYaml(dir: string, name: string, text: string): string {
  const file = join(dir, name);
  writeFileSync(file, text);
  return file;
}
