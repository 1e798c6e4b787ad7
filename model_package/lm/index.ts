export { CharNgramLm, type CharNgramJson } from './char_ngram.js';
export { loadLanguageModel, saveLanguageModel } from './lm_file.js';
export { lmLineScore, type LmFusion } from './fusion.js';
export { LM_SETTINGS, loadLmFusion, describeLmFusion, type LmSettings } from './settings.js';
