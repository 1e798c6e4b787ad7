/** Schema of the `logger` config section. */
import { z } from 'zod';

export const LoggerConfig = z.strictObject({
  local: z.boolean().default(true).describe('write runs/<experiment>/<run-id>/ with metrics, media and report.html'),
  wandb: z.boolean().default(false).describe('also send config and scalars to Weights & Biases (needs WANDB_API_KEY)'),
  experiment: z.string().default('default').describe('experiment name: runs/<experiment>/'),
  project: z.string().default('htr-ts').describe('W&B project'),
  entity: z.string().optional().describe('W&B entity (user or team)'),
  quiet: z.boolean().default(false).describe('no progress display (CI)'),
});
export type LoggerConfig = z.infer<typeof LoggerConfig>;
