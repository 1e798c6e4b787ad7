/**
 * Turns zod issues into HtrErrors that name the full key path, the offending value
 * and what is allowed (or the nearest valid key for a misspelt one).
 */
import type { z } from 'zod';
import { type HtrError, htrError } from '../errors.js';
import { nearest } from './nearest.js';
import { describeType, schemaAt, shapeOf } from './zod_walk.js';

export function keyPath(path: readonly PropertyKey[]): string {
  return path.map(String).join('.');
}

export function formatValue(v: unknown): string {
  if (v === undefined) return 'nothing (the key is missing)';
  if (typeof v === 'string') return JSON.stringify(v);
  // JSON.stringify would print NaN and Infinity as null; show them as YAML wrote them.
  if (typeof v === 'number' && !Number.isFinite(v)) return `${Number.isNaN(v) ? '.nan' : v > 0 ? '.inf' : '-.inf'} (number)`;
  try {
    return `${JSON.stringify(v)} (${Array.isArray(v) ? 'list' : v === null ? 'null' : typeof v})`;
  } catch {
    return String(v);
  }
}

/** One HtrError per issue; unknown keys first because they usually explain the rest. */
export function issuesToErrors(root: z.ZodType, issues: readonly z.core.$ZodIssue[]): HtrError[] {
  const errors: HtrError[] = [];
  const sorted = [...issues].sort((a, b) => Number(b.code === 'unrecognized_keys') - Number(a.code === 'unrecognized_keys'));
  for (const issue of sorted) {
    if (issue.code === 'unrecognized_keys') {
      const parent = schemaAt(root, issue.path);
      const allowed = Object.keys((parent && shapeOf(parent)) ?? {});
      for (const k of issue.keys) errors.push(unknownKeyError([...issue.path, k], allowed));
      continue;
    }
    const key = keyPath(issue.path);
    const leaf = schemaAt(root, issue.path);
    const expected = leaf ? describeType(leaf) : undefined;
    const got = formatValue((issue as { input?: unknown }).input);
    let reason: string;
    if (issue.code === 'custom') reason = `got ${got}: ${issue.message}`;
    else if (issue.code === 'invalid_format') reason = `got ${got}, expected ${issue.message}`;
    else if (issue.code === 'invalid_type' && (issue as { input?: unknown }).input === undefined) {
      reason = `required, expected ${expected ?? issue.expected}`;
    } else reason = `got ${got}, expected ${expected ?? issue.message}`;
    errors.push(htrError('HTR_ERR_CONFIG_INVALID', { key, value: (issue as { input?: unknown }).input, reason, allowed: expected ? [expected] : [] }));
  }
  return errors;
}

export function unknownKeyError(path: readonly PropertyKey[], allowed: readonly string[]): HtrError {
  const key = keyPath(path);
  const last = String(path[path.length - 1]);
  const near = nearest(last, allowed);
  const parent = keyPath(path.slice(0, -1));
  const where = parent ? `under "${parent}"` : 'at the top level';
  const suggestion = near ? `Did you mean "${parent ? `${parent}.` : ''}${near}"? ` : '';
  return htrError('HTR_ERR_CONFIG_UNKNOWN_KEY', {
    key,
    nearest: near,
    allowed,
    hint: `${suggestion}Allowed keys ${where}: ${allowed.join(', ')}`,
  });
}
