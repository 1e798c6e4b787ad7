/**
 * The language-model settings every entry point shares (trainer, `run_experiment
 * predict`, the server): the file, its weight and the per-character bonus.
 */
import { z } from 'zod';
import type { LmFusion } from './fusion.js';
import { loadLanguageModel } from './lm_file.js';

export const LM_SETTINGS = {
  lm: z.string().min(1).nullable().default(null)
    .describe('character language model (a file from `run_experiment lm`) fused into the ctc_beam and joint decode modes'),
  lm_weight: z.number().min(0).default(0.5).describe("weight of the language model's log-probabilities in the beam score"),
  lm_bonus: z.number().default(1).describe('score added per character with a language model (offsets its preference for short lines)'),
};

export interface LmSettings {
  readonly lm: string | null;
  readonly lm_weight: number;
  readonly lm_bonus: number;
}

/** The fusion the settings ask for (undefined without a file), checked against the recognizer's vocabulary. */
export async function loadLmFusion(settings: LmSettings, mapping: readonly string[]): Promise<LmFusion | undefined> {
  if (settings.lm === null) return undefined;
  return { lm: await loadLanguageModel(settings.lm, mapping), weight: settings.lm_weight, bonus: settings.lm_bonus };
}

/** One line for logs: what was loaded and how it is used. */
export function describeLmFusion(file: string, f: LmFusion): string {
  return `language model ${file}: ${f.lm.order}-gram from ${f.lm.lines} lines (weight ${f.weight}, bonus ${f.bonus}; used by ctc_beam and joint)`;
}
