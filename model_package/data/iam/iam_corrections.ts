/** Form-specific fixes to the IAM transcriptions, kept as data (data/iam_corrections.yaml). */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { htrError } from '../../errors.js';

export const IamCorrectionsSchema = z.strictObject({
  uppercase_match_forms: z.array(z.string()).default([]).describe('forms whose transcriptions are all caps: match them to the machine text in upper case'),
  line_text: z.record(z.string(), z.string()).default({}).describe('line id -> corrected transcription'),
  drop_lines: z.array(z.string()).default([]).describe('line ids to drop'),
});
export type IamCorrections = z.infer<typeof IamCorrectionsSchema>;

export const DEFAULT_CORRECTIONS_FILE = path.join('data', 'iam_corrections.yaml');

export async function loadIamCorrections(file = DEFAULT_CORRECTIONS_FILE): Promise<IamCorrections> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw htrError('HTR_ERR_MISSING_FILE', { file }, err);
  }
  const parsed = IamCorrectionsSchema.safeParse(parseYaml(text) ?? {});
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw htrError('HTR_ERR_BAD_DATA_FILE', { file, reason: `${issue?.path.join('.') ?? ''}: ${issue?.message ?? 'invalid'}` });
  }
  return parsed.data;
}
