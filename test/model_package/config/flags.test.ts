import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { FlagError, parseFlags, validateFlags } from '../../../model_package/config/flags.js';

const Schema = z.strictObject({
  input: z.string(),
  batch_size: z.number().int().positive().default(16),
  quiet: z.boolean().default(false),
  link_images: z.boolean().default(false),
});

describe('parseFlags', () => {
  it('reads --key value, --key=value and dashed names; values typed by YAML unless the field wants a string', () => {
    const p = parseFlags(Schema, ['--input', '007', '--batch-size=4', '--quiet', 'false']);
    expect(p).toEqual({ values: { input: '007', batch_size: 4, quiet: false }, positionals: [] });
    expect(validateFlags(Schema, (p as { values: Record<string, unknown> }).values)).toEqual({ input: '007', batch_size: 4, quiet: false, link_images: false });
  });

  it('a switch alone means true and leaves the next argument alone', () => {
    const p = parseFlags(Schema, ['--link-images', 'runs/a', '--input=x', 'runs/b', '--quiet'], { positionals: true });
    expect(p).toEqual({ values: { link_images: true, input: 'x', quiet: true }, positionals: ['runs/a', 'runs/b'] });
  });

  it('names the problem: unknown option, missing value, stray argument, invalid value; -h is help', () => {
    expect(() => parseFlags(Schema, ['--inptu', 'x'])).toThrow(/unknown option --inptu/);
    expect(() => parseFlags(Schema, ['--input'])).toThrow('--input needs a value');
    expect(() => parseFlags(Schema, ['stray'])).toThrow(FlagError);
    expect(() => validateFlags(Schema, { input: 'x', batch_size: 0 })).toThrow(/^--batch_size: /);
    expect(parseFlags(Schema, ['--input', 'x', '-h'])).toBe('help');
  });
});
