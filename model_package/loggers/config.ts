/** Schema of the `logger` config section. */
import { z } from 'zod';
import { SAFE_NAME } from './run_dir.js';

export const LoggerConfig = z.strictObject({
  local: z.boolean().default(true).describe('write runs/<experiment>/<run-id>/ with metrics, media and report.html'),
  wandb: z.boolean().default(false).describe('also send config and scalars to Weights & Biases (needs WANDB_API_KEY)'),
  experiment: z.string().regex(SAFE_NAME, 'a plain directory name (letters, digits, _ . = -)').default('default').describe('experiment name: runs/<experiment>/'),
  project: z.string().default('htr-ts').describe('W&B project'),
  entity: z.string().optional().describe('W&B entity (user or team)'),
  quiet: z.boolean().default(false).describe('no progress display (CI)'),
  run_id: z.string().regex(SAFE_NAME, 'a plain directory name (letters, digits, _ . = -)').optional().describe('run directory name (default: UTC time plus a random suffix)'),
  table_rows: z.number().int().min(0).default(32).describe('prediction-table rows kept per validation, worst CER first'),
  progress_interval_s: z.number().positive().default(10).describe('seconds between progress lines when stderr is not a TTY'),
});
export type LoggerConfig = z.infer<typeof LoggerConfig>;
