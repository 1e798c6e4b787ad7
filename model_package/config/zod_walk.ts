/**
 * Reads zod 4 schemas as data (through `_zod.def`) so --help, error messages and
 * --print_config all come from the same schemas that validate.
 */
import type { z } from 'zod';

type AnySchema = z.core.$ZodType;

interface Def {
  type: string;
  innerType?: AnySchema;
  in?: AnySchema;
  defaultValue?: unknown;
  shape?: Record<string, AnySchema>;
  entries?: Record<string, string | number>;
  values?: unknown[];
  options?: AnySchema[];
  items?: AnySchema[];
  element?: AnySchema;
  valueType?: AnySchema;
  checks?: Array<{ _zod: { def: { check: string; value?: unknown; inclusive?: boolean; format?: string } } }>;
  format?: string;
}

export function defOf(s: AnySchema): Def {
  return s._zod.def as unknown as Def;
}

/** Wrappers that do not change what a value looks like on the command line. */
const WRAPPERS = new Set(['default', 'prefault', 'optional', 'nullable', 'readonly', 'catch', 'nonoptional']);

export function unwrap(s: AnySchema): AnySchema {
  let cur = s;
  for (;;) {
    const d = defOf(cur);
    if (WRAPPERS.has(d.type) && d.innerType) cur = d.innerType;
    else if (d.type === 'pipe' && d.in) cur = d.in;
    else return cur;
  }
}

export interface FieldInfo {
  hasDefault: boolean;
  defaultValue: unknown;
  optional: boolean;
  description: string | undefined;
}

export function fieldInfo(s: AnySchema): FieldInfo {
  let cur: AnySchema | undefined = s;
  let description: string | undefined;
  let optional = false;
  while (cur) {
    description ??= (cur as unknown as { description?: string }).description;
    const d = defOf(cur);
    if (d.type === 'default' || d.type === 'prefault') {
      return { hasDefault: true, defaultValue: structuredClone(d.defaultValue), optional: true, description: description ?? innerDescription(d.innerType) };
    }
    if (d.type === 'optional') optional = true;
    cur = WRAPPERS.has(d.type) ? d.innerType : d.type === 'pipe' ? d.in : undefined;
  }
  return { hasDefault: false, defaultValue: undefined, optional, description };
}

function innerDescription(s: AnySchema | undefined): string | undefined {
  return s ? (unwrap(s) as unknown as { description?: string }).description ?? (s as unknown as { description?: string }).description : undefined;
}

/** Shape of an object schema (after unwrapping), or undefined for non-objects. */
export function shapeOf(s: AnySchema): Record<string, AnySchema> | undefined {
  const d = defOf(unwrap(s));
  return d.type === 'object' ? d.shape : undefined;
}

/** The schema at `path` inside `root` (object keys, tuple/array indices), if any. */
export function schemaAt(root: AnySchema, path: readonly PropertyKey[]): AnySchema | undefined {
  let cur: AnySchema | undefined = root;
  for (const k of path) {
    if (!cur) return undefined;
    const d = defOf(unwrap(cur));
    if (d.type === 'object') cur = d.shape?.[String(k)];
    else if (d.type === 'tuple') cur = d.items?.[Number(k)];
    else if (d.type === 'array') cur = d.element;
    else if (d.type === 'record') cur = d.valueType;
    else return undefined;
  }
  return cur;
}

/** Human-readable type: "integer >= -1", "auto | gpu | cpu", "[number, number]". */
export function describeType(s: AnySchema): string {
  const inner = unwrap(s);
  const d = defOf(inner);
  switch (d.type) {
    case 'string':
      return 'string';
    case 'boolean':
      return 'boolean';
    case 'number':
      return describeNumber(d);
    case 'int':
      return 'integer';
    case 'enum':
      return Object.values(d.entries ?? {}).map(String).join(' | ');
    case 'literal':
      return (d.values ?? []).map((v) => JSON.stringify(v)).join(' | ');
    case 'union':
      return (d.options ?? []).map(describeType).join(' | ');
    case 'tuple':
      return `[${(d.items ?? []).map(describeType).join(', ')}]`;
    case 'array':
      return d.element ? `list of ${describeType(d.element)}` : 'list';
    case 'record':
      return 'mapping';
    case 'object':
      return 'mapping';
    case 'null':
      return 'null';
    default:
      return d.type;
  }
}

function describeNumber(d: Def): string {
  let base = 'number';
  const bounds: string[] = [];
  for (const c of d.checks ?? []) {
    const cd = c._zod.def;
    if (cd.check === 'number_format' && typeof cd.format === 'string' && /int/.test(cd.format)) base = 'integer';
    else if (cd.check === 'greater_than') bounds.push(`${cd.inclusive ? '>=' : '>'} ${String(cd.value)}`);
    else if (cd.check === 'less_than') bounds.push(`${cd.inclusive ? '<=' : '<'} ${String(cd.value)}`);
  }
  return bounds.length ? `${base} ${bounds.join(', ')}` : base;
}

/** Expected top-level JS type of a schema ("string" for string fields), to coerce CLI values. */
export function expectsString(s: AnySchema): boolean {
  const d = defOf(unwrap(s));
  if (d.type === 'string') return true;
  if (d.type === 'enum') return Object.values(d.entries ?? {}).every((v) => typeof v === 'string');
  return false;
}
