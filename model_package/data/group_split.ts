/**
 * Group-aware random splits: every item of a group (a writer, a folder, a page)
 * lands in the same split, so a test writer is never seen in training, the way
 * IAM's writer-independent split works. Seeded and independent of input order.
 */
import { htrError } from '../errors.js';
import { Rng } from '../core/rng.js';
import { basenamePosix, dirnamePosix, type LineRecord, type SplitName } from './own/line_records.js';

export interface GroupSplitOptions {
  readonly valFraction: number;
  readonly testFraction: number;
  readonly seed: number;
}

/**
 * Assigns each group to a split. Groups are shuffled (seeded, from the sorted
 * list) and dealt to test, then val, until each holds its fraction of items;
 * the rest is train. With at least 3 groups and non-zero fractions, each split
 * gets at least one group.
 */
export function splitGroups<T>(items: readonly T[], groupOf: (item: T) => string, opts: GroupSplitOptions): Record<SplitName, T[]> {
  const sizes = new Map<string, number>();
  for (const item of items) {
    const g = groupOf(item);
    sizes.set(g, (sizes.get(g) ?? 0) + 1);
  }
  const groups = new Rng(opts.seed).shuffle([...sizes.keys()].sort());
  const assign = new Map<string, SplitName>();
  const total = items.length;
  let next = 0;
  const deal = (split: SplitName, fraction: number) => {
    if (fraction <= 0) return;
    let count = 0;
    // Leave at least one group for train.
    while (next < groups.length - 1 && (count === 0 || count < fraction * total)) {
      const g = groups[next++] as string;
      assign.set(g, split);
      count += sizes.get(g) ?? 0;
    }
  };
  deal('test', opts.testFraction);
  deal('val', opts.valFraction);
  const out: Record<SplitName, T[]> = { train: [], val: [], test: [] };
  for (const item of items) out[assign.get(groupOf(item)) ?? 'train'].push(item);
  return out;
}

export const GROUP_BY = ['auto', 'none', 'folder', 'page', 'writer', 'regex'] as const;
export type GroupBy = (typeof GROUP_BY)[number];

/**
 * The grouping key of a record. `auto`: the writer if the data names one, else
 * the page for page formats (several lines per image), else none. `regex`:
 * `pattern` over the image file name; the first capture group (or the whole
 * match) is the group, and a name that does not match is its own group.
 */
export function groupKeyFn(groupBy: GroupBy, pattern: string | undefined, records: readonly LineRecord[]): (r: LineRecord) => string {
  switch (groupBy) {
    case 'none':
      return (r) => r.id;
    case 'folder':
      return (r) => dirnamePosix(r.image);
    case 'page':
      return (r) => r.page;
    case 'writer': {
      const missing = records.find((r) => r.writer === undefined);
      if (missing) throw htrError('HTR_ERR_CONFIG_INVALID', { key: 'data.group_by', reason: `"writer" needs a writer column in the manifest; ${missing.id} has none` });
      return (r) => r.writer as string;
    }
    case 'regex': {
      if (!pattern) throw htrError('HTR_ERR_CONFIG_INVALID', { key: 'data.group_pattern', reason: 'group_by "regex" needs data.group_pattern' });
      let re: RegExp;
      try {
        re = new RegExp(pattern);
      } catch (err) {
        throw htrError('HTR_ERR_CONFIG_INVALID', { key: 'data.group_pattern', reason: err instanceof Error ? err.message : String(err) }, err);
      }
      return (r) => {
        const name = basenamePosix(r.image);
        const m = re.exec(name);
        return m ? (m[1] ?? m[0]) : name;
      };
    }
    case 'auto': {
      if (records.length > 0 && records.every((r) => r.writer !== undefined)) return (r) => r.writer as string;
      const multiLine = new Set<string>();
      const seen = new Set<string>();
      for (const r of records) {
        if (seen.has(r.page)) multiLine.add(r.page);
        seen.add(r.page);
      }
      return multiLine.size > 0 ? (r) => r.page : (r) => r.id;
    }
  }
}
