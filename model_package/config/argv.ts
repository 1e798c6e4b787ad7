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
function isOption(token: string): boolean {
  return token.startsWith('--') || token === '-h' || token === '-c';
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
    const eq = tok.indexOf('=');
    const name = tok === '-c' ? 'config' : tok.slice(2, eq === -1 ? undefined : eq);
    let text: string | undefined = eq === -1 ? undefined : tok.slice(eq + 1);
    const next = argv[i + 1];
    // Space form: the next token is the value unless it is another option (negative numbers are values).
    const takeNext = (): string | undefined => {
      if (text !== undefined) return text;
      if (next !== undefined && !isOption(next)) {
        i++;
        return next;
      }
      return undefined;
    };
    if (name === 'print_config') {
      const v = text === undefined ? true : parseScalar(text);
      mutable.printConfig = v !== false;
      continue;
    }
    if (name === 'config' || name === 'ckpt_path') {
      text = takeNext();
      if (text === undefined || text === '') throw new ArgvError(`--${name} needs a value (a file path)`);
      if (name === 'config') mutable.configFiles.push(text);
      else mutable.ckptPath = text;
      continue;
    }
    const path = name.split('.');
    if (!CONFIG_ROOTS.has(path[0] as string)) {
      mutable.rest.push(tok);
      if (text === undefined && next !== undefined && !isOption(next)) {
        mutable.rest.push(next);
        i++;
      }
      continue;
    }
    if (path.some((p) => p === '')) throw new ArgvError(`Malformed option "${tok}": empty key segment`);
    text = takeNext();
    // A bare flag (`--trainer.fast_dev_run`) means true, as for switches elsewhere.
    out.overrides.push(text === undefined ? { path, value: true } : { path, raw: text, value: parseScalar(text) });
  }
  return out;
}
