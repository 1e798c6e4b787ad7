/**
 * `--key value` / `--key=value` / `--key-name value` flags for the inference
 * CLIs (server, batch predict), validated by a zod object schema: the schema is
 * the one source of names, types, defaults and help text.
 */
import YAML from 'yaml';
import { z } from 'zod';

export class FlagError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'FlagError';
  }
}

/** Raw values by snake_case key; 'help' if -h/--help was given. Strings in `stringKeys` are not YAML-parsed. */
export function parseFlags(schema: z.ZodObject, argv: readonly string[], stringKeys: readonly string[] = []): Record<string, unknown> | 'help' {
  const shape = schema.shape as Record<string, z.ZodType>;
  const out: Record<string, unknown> = {};
  for (let i = 0; i < argv.length; i++) {
    const tok = argv[i] as string;
    if (tok === '-h' || tok === '--help') return 'help';
    if (!tok.startsWith('--')) throw new FlagError(`unexpected argument "${tok}"`);
    const eq = tok.indexOf('=');
    const key = tok.slice(2, eq === -1 ? undefined : eq).replace(/-/g, '_');
    const field = shape[key];
    if (!field) throw new FlagError(`unknown option --${key}; known: ${Object.keys(shape).map((k) => `--${k}`).join(' ')}`);
    let text = eq === -1 ? undefined : tok.slice(eq + 1);
    if (text === undefined) {
      const next = argv[i + 1];
      if (next === undefined || next.startsWith('--')) {
        if (typeof field.safeParse(undefined).data !== 'boolean') throw new FlagError(`--${key} needs a value`);
        text = 'true';
      } else {
        text = next;
        i++;
      }
    }
    out[key] = stringKeys.includes(key) ? text : parseScalar(text);
  }
  return out;
}

function parseScalar(text: string): unknown {
  try {
    return YAML.parse(text) ?? text;
  } catch {
    return text;
  }
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
