/** `--help` text, derived from the same schemas that validate. */
import type { z } from 'zod';
import { fieldInfo, describeType, shapeOf } from './zod_walk.js';

export interface OptionRow {
  readonly flag: string;
  readonly type: string;
  readonly default: string;
  readonly description: string;
}

function showDefault(s: z.core.$ZodType): string {
  const info = fieldInfo(s);
  if (info.hasDefault) return typeof info.defaultValue === 'string' ? JSON.stringify(info.defaultValue) : JSON.stringify(info.defaultValue);
  return info.optional ? 'unset' : 'required';
}

/** One row per leaf option, sections recursed into (`--trainer.max_epochs`). */
export function optionRows(schema: z.core.$ZodType, prefix: readonly string[] = []): OptionRow[] {
  const shape = shapeOf(schema);
  if (!shape) return [];
  const rows: OptionRow[] = [];
  // The class name first: it decides which other options exist.
  const entries = Object.entries(shape).sort(([a], [b]) => Number(b === 'name') - Number(a === 'name'));
  for (const [key, field] of entries) {
    const path = [...prefix, key];
    if (shapeOf(field)) {
      rows.push(...optionRows(field, path));
      continue;
    }
    rows.push({
      flag: `--${path.join('.')}`,
      type: describeType(field),
      default: showDefault(field),
      description: fieldInfo(field).description ?? '',
    });
  }
  return rows;
}

/** Aligned table, one option per line, grouped by section with the section's description. */
export function formatOptions(schema: z.core.$ZodObject): string {
  const shape = shapeOf(schema) ?? {};
  const rows = optionRows(schema);
  const wFlag = Math.max(...rows.map((r) => r.flag.length));
  const wType = Math.min(34, Math.max(...rows.map((r) => r.type.length)));
  const lines: string[] = [];
  for (const [section, field] of Object.entries(shape)) {
    const sectionRows = rows.filter((r) => r.flag === `--${section}` || r.flag.startsWith(`--${section}.`));
    const desc = fieldInfo(field).description;
    lines.push('', `${section}:${desc && shapeOf(field) ? ` ${desc}` : ''}`);
    for (const r of sectionRows) {
      lines.push(`  ${r.flag.padEnd(wFlag)}  ${r.type.padEnd(wType)}  default ${r.default.padEnd(8)}  ${r.description}`.trimEnd());
    }
  }
  return lines.join('\n');
}
