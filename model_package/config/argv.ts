/**
 * Splits a run_experiment command line into the subcommand, config files, dotted
 * overrides and CLI flags. Hand-written rather than cmd-ts: option names here are
 * open-ended (`--data.<any option of the selected class>`), known only after the
 * config files are read, which a declare-options-first parser cannot express.
 */
import YAML from 'yaml';
import type { Override } from './resolve.js';
import { SECTION_ALIASES, SECTIONS } from './root_schema.js';

export interface ParsedArgs {
  readonly configFiles: string[];
  readonly overrides: Override[];
  readonly help: boolean;
  readonly printConfig: boolean;
  readonly ckptPath: string | undefined;
  /** Options that are not config keys (`--image a.png`), left for a subcommand that wants them. */
  readonly rest: string[];
  /** Positional arguments after the subcommand. */
  readonly positionals: string[];
}

export class ArgvError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ArgvError';
  }
}

const CONFIG_ROOTS = new Set<string>([...SECTIONS, ...Object.keys(SECTION_ALIASES)]);

/** A value as YAML reads it: `300` -> 300, `true` -> true, `[0.9,0.99]` -> list, `abc` -> "abc". */
export function parseScalar(text: string): unknown {
  try {
    return YAML.parse(text);
  } catch {
    return text;
  }
}

/** Option tokens; anything else (including "-1") can be a value. */
export function isOption(token: string): boolean {
  return token.startsWith('--') || token === '-h' || token === '-c';
}

export interface OptionToken {
  /** Name without the dashes (`-c` is `config`). */
  readonly name: string;
  /** Text after `=`, or the next token when taken; undefined for a bare option. */
  readonly text: string | undefined;
  /** Index of the last token read (the value's when the next token was taken). */
  readonly last: number;
}

/**
 * The option at argv[i], in the spellings every CLI here accepts: `--name=value`,
 * `--name value` (the next token, unless it is an option or `takesNext` says no),
 * or a bare `--name`.
 */
export function readOption(argv: readonly string[], i: number, takesNext: (name: string, next: string) => boolean = () => true): OptionToken {
  const tok = argv[i] as string;
  const eq = tok.indexOf('=');
  const name = tok === '-c' ? 'config' : tok.slice(2, eq === -1 ? undefined : eq);
  if (eq !== -1) return { name, text: tok.slice(eq + 1), last: i };
  const next = argv[i + 1];
  if (next !== undefined && !isOption(next) && takesNext(name, next)) return { name, text: next, last: i + 1 };
  return { name, text: undefined, last: i };
}

export function parseArgs(argv: readonly string[]): ParsedArgs {
  const out: ParsedArgs = { configFiles: [], overrides: [], help: false, printConfig: false, ckptPath: undefined, rest: [], positionals: [] };
  const mutable = out as { -readonly [K in keyof ParsedArgs]: ParsedArgs[K] };
  for (let i = 0; i < argv.length; i++) {
    const tok = argv[i] as string;
    if (tok === '-h' || tok === '--help') {
      mutable.help = true;
      continue;
    }
    if (!tok.startsWith('--') && tok !== '-c') {
      mutable.positionals.push(tok);
      continue;
    }
    // --print_config is a switch: a following token is never its value.
    const { name, text, last } = readOption(argv, i, (n) => n !== 'print_config');
    const first = i;
    i = last;
    if (name === 'print_config') {
      const v = text === undefined ? true : parseScalar(text);
      mutable.printConfig = v !== false;
      continue;
    }
    if (name === 'config' || name === 'ckpt_path') {
      if (text === undefined || text === '') throw new ArgvError(`--${name} needs a value (a file path)`);
      if (name === 'config') mutable.configFiles.push(text);
      else mutable.ckptPath = text;
      continue;
    }
    const path = name.split('.');
    if (!CONFIG_ROOTS.has(path[0] as string)) {
      // Left as typed for the subcommand that owns it (it may be a switch; its owner decides).
      mutable.rest.push(...argv.slice(first, last + 1));
      continue;
    }
    if (path.some((p) => p === '')) throw new ArgvError(`Malformed option "${tok}": empty key segment`);
    // A bare flag (`--trainer.fast_dev_run`) means true, as for switches elsewhere.
    out.overrides.push(text === undefined ? { path, value: true } : { path, raw: text, value: parseScalar(text) });
  }
  return out;
}
