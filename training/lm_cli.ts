/**
 * `run_experiment lm`: builds a character n-gram language model for the ctc_beam and
 * joint decode modes (trainer.lm, the server's --lm). The text is the training split
 * of the experiment's data module (what the recognizer was trained on, never its
 * validation or test text), or a plain text file, one line per line. The vocabulary
 * is the data module's, or a checkpoint's.
 *
 *   run_experiment lm --config configs/synthetic_lines.yaml --out runs/lm.json
 *   run_experiment lm --ckpt_path best.ckpt --text my_corpus.txt --out lm.json
 */
import { readFile, stat } from 'node:fs/promises';
import { z } from 'zod';
import { FlagError, flagHelp, parseFlags, validateFlags } from '../model_package/config/flags.js';
import { htrError } from '../model_package/errors.js';
import { readCheckpoint } from '../model_package/checkpoint/checkpoint.js';
import { getDataEntry } from '../model_package/data/registry.js';
import type { DataModule } from '../model_package/core/data_types.js';
import { CharNgramLm, saveLanguageModel } from '../model_package/lm/index.js';
import type { ConfigObject } from '../model_package/config/index.js';

interface Io {
  readonly stdout: { write(text: string): unknown };
  readonly stderr: { write(text: string): unknown };
}

const LmFlags = z.strictObject({
  out: z.string().min(1).describe('where to write the language model (JSON)'),
  order: z.number().int().min(1).max(12).default(6).describe('n-gram order: characters of context plus one'),
  text: z.string().min(1).optional().describe('a UTF-8 text file to learn from, one line per line (default: the training split of --config)'),
  ckpt_path: z.string().min(1).optional().describe("take the vocabulary from this checkpoint (default: the --config data module's)"),
});

export const LM_USAGE = `Usage: run_experiment lm (--config FILE [overrides] | --ckpt_path FILE --text FILE) --out FILE [--order N]

${flagHelp(LmFlags)}`;

/** `config`: the resolved experiment config when --config or overrides were given. */
export async function lmMain(config: ConfigObject | undefined, argv: readonly string[], io: Io): Promise<number> {
  let flags: z.infer<typeof LmFlags>;
  try {
    const parsed = parseFlags(LmFlags, argv);
    if (parsed === 'help') {
      io.stdout.write(LM_USAGE);
      return 0;
    }
    flags = validateFlags(LmFlags, parsed.values);
    if (!config && !(flags.ckpt_path && flags.text)) throw new FlagError('give --config (its data module has the text and vocabulary), or --ckpt_path with --text');
  } catch (err) {
    if (err instanceof FlagError) {
      io.stderr.write(`lm: ${err.message}\n${LM_USAGE}`);
      return 2;
    }
    throw err;
  }
  const data = config ? await dataModule(config) : undefined;
  const mapping = flags.ckpt_path ? (await readCheckpoint(flags.ckpt_path)).dataConfig.mapping : (data as DataModule).dataConfig().mapping;
  const texts = flags.text ? await textLines(flags.text) : await trainingTexts(data as DataModule);
  const lm = CharNgramLm.build(texts, mapping, flags.order);
  await saveLanguageModel(flags.out, lm);
  const kib = Math.round((await stat(flags.out)).size / 1024);
  io.stdout.write(`wrote ${flags.out}: ${flags.order}-gram character model from ${lm.lines} lines of ${flags.text ?? 'the training split'} (${kib} KiB)\n`);
  return 0;
}

async function dataModule(config: ConfigObject): Promise<DataModule> {
  const { name, ...options } = config.data as { name: string };
  const data = getDataEntry(name).create(options);
  await data.prepareData();
  await data.setup('fit');
  return data;
}

/** Every training line's text, in loader order (one epoch). */
async function trainingTexts(data: DataModule): Promise<string[]> {
  const texts: string[] = [];
  for await (const batch of data.trainDataloader(0)) texts.push(...batch.texts);
  return texts;
}

async function textLines(file: string): Promise<string[]> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw htrError('HTR_ERR_MISSING_FILE', { file, key: '--text' }, err);
  }
  const lines = text.split(/\r?\n/).map((l) => l.trim()).filter(Boolean);
  if (lines.length === 0) throw htrError('HTR_ERR_BAD_DATA_FILE', { file, reason: 'no text lines' });
  return lines;
}
