/**
 * run_experiment: Lightning-CLI-style entry point.
 *
 *   run_experiment fit --config configs/synthetic_lines.yaml --trainer.max_epochs=3
 *   run_experiment test --config configs/iam_lines.yaml --ckpt_path runs/.../best.ckpt
 *   run_experiment fit --data=BitmapLines --help
 *
 * `main(argv, io)` returns the exit code (0 ok, 1 run failed, 2 bad config or usage)
 * so tests drive it in-process; the file runs it when executed directly.
 */
import { existsSync, realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { type HtrError, htrError, isHtrError } from '../model_package/errors.js';
import { readCheckpoint } from '../model_package/checkpoint/checkpoint.js';
import {
  ArgvError,
  buildRootSchema,
  type ClassChoice,
  ConfigErrors,
  type ConfigObject,
  configToYaml,
  formatOptions,
  mergeSources,
  nearest,
  parseArgs,
  type ParsedArgs,
  printableConfig,
  resolveConfig,
  SECTIONS,
  unknownKeyError,
} from '../model_package/config/index.js';
import { runStage, type Stage } from './run_stage.js';
import { reportMain } from './report_cli.js';
import { exportMain } from './export_cli.js';
import { predictMain } from '../batch/predict_cli.js';
import { lmMain } from './lm_cli.js';

export interface CliIo {
  readonly stdout: { write(text: string): unknown };
  readonly stderr: { write(text: string): unknown };
}

export const COMMANDS: Readonly<Record<string, string>> = {
  fit: 'train a model (with --ckpt_path: resume from that checkpoint)',
  validate: 'run the validation split and print its metrics (--ckpt_path: weights to evaluate)',
  test: 'run the test split and print its metrics (--ckpt_path: weights to evaluate)',
  predict: 'transcribe images with a trained checkpoint (--ckpt_path)',
  report: 'summarise finished runs (see `run_experiment report --help`)',
  export: 'write the inference-only file of a checkpoint: weights and config, no optimizer state (--ckpt_path, --out)',
  lm: 'build a character language model for the ctc_beam and joint decode modes from the training text (--out)',
};

/** Codes that mean "the command line or config is wrong" (exit 2), wherever they surface. */
const USAGE_CODES = new Set([
  'HTR_ERR_CONFIG_UNKNOWN_KEY',
  'HTR_ERR_CONFIG_INVALID',
  'HTR_ERR_CONFIG_PARSE',
  'HTR_ERR_CONFIG_LINK',
  'HTR_ERR_UNKNOWN_DATA',
  'HTR_ERR_UNKNOWN_MODEL',
  'HTR_ERR_CLASS_UNAVAILABLE',
]);

const USAGE = 'Usage: run_experiment <fit|validate|test|predict|report|export> [--config FILE]... [--SECTION.KEY=VALUE]... [--print_config] [--ckpt_path PATH] [--help]';

const GENERAL_OPTIONS = `
General options:
  --config FILE, -c FILE   YAML config; repeatable, files deep-merge in order (later wins)
  --SECTION.KEY=VALUE      override one key after all config files; also --SECTION.KEY VALUE;
                           values parse as YAML scalars (300, true, 1e-3, '[0.9,0.99]')
  --data=NAME, --model=NAME  select the data / model class (same as --data.name=NAME)
  --print_config           print the merged, validated config as YAML and exit
  --ckpt_path PATH         fit: resume from it; validate/test/predict: weights to use
  --help, -h               this help; add --data=NAME / --model=NAME (or --config) to list that class's options`;

export async function main(argv: readonly string[], io: CliIo = process): Promise<number> {
  const [command, ...args] = argv;
  if (command === undefined || command === '-h' || command === '--help') {
    io[command === undefined ? 'stderr' : 'stdout'].write(topHelp());
    return command === undefined ? 2 : 0;
  }
  if (!(command in COMMANDS)) {
    const near = nearest(command, Object.keys(COMMANDS));
    io.stderr.write(`Unknown subcommand "${command}".${near ? ` Did you mean "${near}"?` : ''} Subcommands: ${Object.keys(COMMANDS).join(', ')}\n${USAGE}\n`);
    return 2;
  }
  if (command === 'report') return reportMain(args, io);
  if (command === 'export') return exportMain(args, io);
  try {
    const parsed = parseArgs(args);
    if (command === 'predict' || command === 'lm') return await withOwnFlags(command, parsed, io);
    if (parsed.help) {
      io.stdout.write(commandHelp(command, parsed.configFiles, parsed.overrides));
      return 0;
    }
    if (parsed.positionals.length) throw new ArgvError(`Unexpected argument "${parsed.positionals[0]}". Options start with --; see run_experiment ${command} --help`);
    if (parsed.rest.length) {
      const name = (parsed.rest[0] as string).replace(/^--/, '').split('=')[0] as string;
      throw unknownKeyError(name.split('.'), [...SECTIONS, 'config', 'ckpt_path', 'print_config', 'help']);
    }
    const layers = await checkpointLayer(parsed);
    const resolved = resolveConfig({ configFiles: parsed.configFiles, layers, overrides: parsed.overrides });
    if (parsed.printConfig) {
      io.stdout.write(configToYaml(printableConfig(resolved)));
      return 0;
    }
    await runStage(command as Stage, resolved, { ckptPath: parsed.ckptPath, log: (m) => io.stderr.write(`${m}\n`), out: (m) => io.stdout.write(`${m}\n`) });
    return 0;
  } catch (err) {
    return reportError(err, io);
  }
}

/**
 * With `--ckpt_path` and no `--config`, the config stored in the checkpoint is the
 * base (overrides still apply): `run_experiment test --ckpt_path last.ckpt` just works.
 */
async function checkpointLayer(parsed: ParsedArgs): Promise<Array<{ source: string; values: ConfigObject }>> {
  if (parsed.ckptPath === undefined || parsed.configFiles.length > 0) return [];
  if (!existsSync(parsed.ckptPath)) throw htrError('HTR_ERR_MISSING_FILE', { file: parsed.ckptPath, key: '--ckpt_path' });
  const ckpt = await readCheckpoint(parsed.ckptPath);
  return [{ source: parsed.ckptPath, values: withoutOutputPaths(ckpt.config) }];
}

/**
 * Where a run writes (run and cache directories, the run id) comes from the
 * command line and the defaults, never from a checkpoint: a checkpoint may come
 * from anywhere, and reusing its run id would overwrite that run's record.
 */
export const CHECKPOINT_IGNORED_KEYS = [
  'trainer.default_root_dir',
  'checkpoint.dirpath',
  'logger.run_id',
  'data.processed_dir',
  'data.download_dir',
] as const;

function withoutOutputPaths(config: ConfigObject): ConfigObject {
  const out = structuredClone(config);
  for (const key of CHECKPOINT_IGNORED_KEYS) {
    const [section, name] = key.split('.') as [string, string];
    const values = out[section];
    if (values && typeof values === 'object' && !Array.isArray(values)) delete (values as Record<string, unknown>)[name];
  }
  return out;
}

/**
 * `predict` and `lm` take their own flags (--input, --output, --out, ...; see
 * batch/predict_cli.ts and lm_cli.ts). The experiment config is optional there: when
 * config files or overrides are given they are resolved and validated as for fit.
 */
async function withOwnFlags(command: 'predict' | 'lm', parsed: ParsedArgs, io: CliIo): Promise<number> {
  const own = [...(parsed.ckptPath ? ['--ckpt_path', parsed.ckptPath] : []), ...parsed.rest, ...(parsed.help ? ['--help'] : [])];
  if (parsed.positionals.length) throw new ArgvError(`Unexpected argument "${parsed.positionals[0]}". Options start with --; see run_experiment ${command} --help`);
  const hasConfig = parsed.configFiles.length > 0 || parsed.overrides.length > 0;
  const resolved = hasConfig ? resolveConfig({ configFiles: parsed.configFiles, overrides: parsed.overrides }) : undefined;
  if (resolved && parsed.printConfig) {
    io.stdout.write(configToYaml(printableConfig(resolved)));
    return 0;
  }
  const config = resolved ? printableConfig(resolved) : undefined;
  return command === 'predict' ? predictMain(config, own, io) : lmMain(config, own, io);
}

/** Prints an error without a stack (a config mistake is not a crash) and picks the exit code. */
export function reportError(err: unknown, io: CliIo): number {
  if (err instanceof ConfigErrors) {
    for (const e of err.errors) io.stderr.write(`${e.message}\n`);
    return 2;
  }
  if (err instanceof ArgvError) {
    io.stderr.write(`${err.message}\n${USAGE}\n`);
    return 2;
  }
  if (isHtrError(err)) {
    const hint = typeof err.details.hint === 'string' && err.details.hint && !err.message.includes(err.details.hint) ? `\n${err.details.hint}` : '';
    io.stderr.write(`${err.message}${hint}\n`);
    return USAGE_CODES.has(err.code) || isConfigFileMissing(err) ? 2 : 1;
  }
  io.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  return 1;
}

function isConfigFileMissing(err: HtrError): boolean {
  return err.code === 'HTR_ERR_MISSING_FILE' && (err.details.key === '--config' || err.details.key === '--ckpt_path');
}

function topHelp(): string {
  const cmds = Object.entries(COMMANDS).map(([c, d]) => `  ${c.padEnd(9)} ${d}`).join('\n');
  return `${USAGE}\n\nSubcommands:\n${cmds}\n${GENERAL_OPTIONS}\n\nConfig options (see run_experiment fit --help for all of them with types and defaults):\n  ${SECTIONS.join(', ')}\n`;
}

/** Help for one subcommand, with the options of whichever data/model classes the args select. */
export function commandHelp(command: string, configFiles: readonly string[], overrides: Parameters<typeof mergeSources>[0]['overrides']): string {
  const notes: string[] = [];
  const merged = mergeSources({ configFiles, overrides });
  const pick = (kind: 'data' | 'model', choice: ClassChoice | undefined): ClassChoice | undefined => {
    if (!choice) return undefined;
    try {
      buildRootSchema(kind === 'data' ? choice : undefined, kind === 'model' ? choice : undefined);
      return choice;
    } catch (err) {
      notes.push(`note: ${isHtrError(err) ? err.message : String(err)}`);
      return undefined;
    }
  };
  const schema = buildRootSchema(pick('data', merged.data), pick('model', merged.model));
  const selected = `data class: ${merged.data?.name ?? '(none; pick one with --data=NAME)'}, model class: ${merged.model.name}`;
  return [
    `${USAGE.replace('<fit|validate|test|predict|report|export>', command)}`,
    '',
    `${command}: ${COMMANDS[command]}`,
    GENERAL_OPTIONS,
    '',
    `Config options (${selected}):`,
    formatOptions(schema),
    ...(notes.length ? ['', ...notes] : []),
    '',
  ].join('\n');
}

function isEntryPoint(): boolean {
  const script = process.argv[1];
  if (!script) return false;
  try {
    return realpathSync(script) === realpathSync(fileURLToPath(import.meta.url));
  } catch {
    return false;
  }
}

if (isEntryPoint()) process.exitCode = await main(process.argv.slice(2));
