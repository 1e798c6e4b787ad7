/** Reading and writing character language models (JSON; written to a temporary name, then renamed). */
import { readFile } from 'node:fs/promises';
import { writeFileAtomic } from '../core/atomic_write.js';
import { htrError } from '../errors.js';
import { CharNgramLm } from './char_ngram.js';

export async function saveLanguageModel(file: string, lm: CharNgramLm): Promise<void> {
  await writeFileAtomic(file, JSON.stringify(lm.toJson()));
}

/** The model at `file`; with `mapping`, it must spell with the same tokens as the recognizer. */
export async function loadLanguageModel(file: string, mapping?: readonly string[]): Promise<CharNgramLm> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw htrError('HTR_ERR_MISSING_FILE', { file }, err);
  }
  let lm: CharNgramLm;
  try {
    lm = CharNgramLm.fromJson(JSON.parse(text), file);
  } catch (err) {
    throw htrError('HTR_ERR_BAD_DATA_FILE', { file, reason: err instanceof Error ? err.message : String(err) }, err);
  }
  if (mapping && !lm.matches(mapping)) {
    throw htrError('HTR_ERR_BAD_DATA_FILE', { file, reason: `its ${lm.mapping.length} tokens are not the model's ${mapping.length} (build it with this model's vocabulary)` });
  }
  return lm;
}
