/**
 * Flat `--key value` / `--key=value` / `--key-name value` flags for the CLIs
 * that are not config-shaped (the server, batch predict, report), validated by a
 * zod object schema: the schema is the one source of names, types, defaults and
 * help text. It reads options with `readOption`, like run_experiment's parser.
 *
 * Why not cmd-ts: every option would be declared twice (cmd-ts type + zod schema),
 * and run_experiment's open-ended `--data.<key>` options cannot be declared up
 * front at all, so cmd-ts would add code and still leave this parser in place.
 */
import { z } from 'zod';
import { isOption, parseScalar, readOption } from './argv.js';

export class FlagError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'FlagError';
  }
}

export interface ParsedFlags {
  /** Raw values by snake_case key, to validate with `validateFlags`. */
  readonly values: Record<string, unknown>;
  /** Arguments that are not options (only with `positionals: true`). */
  readonly positionals: string[];
}

/** Whether a field is a switch: `--quiet` alone means true, and only true/false may follow it as its value. */
function isSwitch(field: z.ZodType): boolean {
  return field.safeParse(true).success && !field.safeParse('x').success;
}

/** The value of `text` for `field`: YAML-typed (`4`, `true`, `[1,2]`), or the text itself where the field wants a string (`--input 007`). */
function valueFor(field: z.ZodType, text: string): unknown {
  const typed = parseScalar(text) ?? text;
  if (!field.safeParse(typed).success && field.safeParse(text).success) return text;
  return typed;
}

/** 'help' if -h/--help was given. Without `positionals: true` a non-option argument is an error. */
export function parseFlags(schema: z.ZodObject, argv: readonly string[], options: { readonly positionals?: boolean } = {}): ParsedFlags | 'help' {
  const shape = schema.shape as Record<string, z.ZodType>;
  const values: Record<string, unknown> = {};
  const positionals: string[] = [];
  const fieldOf = (name: string): z.ZodType | undefined => shape[name.replace(/-/g, '_')];
  for (let i = 0; i < argv.length; i++) {
    const tok = argv[i] as string;
    if (tok === '-h' || tok === '--help') return 'help';
    if (!isOption(tok)) {
      if (!options.positionals) throw new FlagError(`unexpected argument "${tok}"`);
      positionals.push(tok);
      continue;
    }
    const { name, text, last } = readOption(argv, i, (n, next) => {
      const f = fieldOf(n);
      return !f || !isSwitch(f) || next === 'true' || next === 'false';
    });
    i = last;
    const key = name.replace(/-/g, '_');
    const field = shape[key];
    if (!field) throw new FlagError(`unknown option --${key}; known: ${Object.keys(shape).map((k) => `--${k}`).join(' ')}`);
    if (text === undefined && !isSwitch(field)) throw new FlagError(`--${key} needs a value`);
    values[key] = text === undefined ? true : valueFor(field, text);
  }
  return { values, positionals };
}

/** Parses raw flags with the schema; a failure names the flag. */
export function validateFlags<S extends z.ZodObject>(schema: S, raw: Record<string, unknown>): z.infer<S> {
  const parsed = schema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new FlagError(`--${issue?.path.join('.') ?? '?'}: ${issue?.message ?? 'invalid'}`);
  }
  return parsed.data;
}

/** Help lines: one per option with type-ish default and description. */
export function flagHelp(schema: z.ZodObject): string {
  const shape = schema.shape as Record<string, z.ZodType>;
  const w = Math.max(...Object.keys(shape).map((k) => k.length)) + 2;
  return Object.entries(shape)
    .map(([k, f]) => {
      const d = f.safeParse(undefined);
      const def = d.success && d.data !== undefined ? ` (default ${JSON.stringify(d.data)})` : '';
      return `  --${k.padEnd(w)} ${f.description ?? ''}${def}`;
    })
    .join('\n');
}
