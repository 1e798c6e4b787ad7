/**
 * The report of importing your own line data: split sizes, skipped samples by reason
 * (and each one listed), characters outside the vocabulary with counts. Written
 * as report.json (for tools) and report.txt (for people) beside the cached data.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { SkippedSample, SkipReason, SplitName } from './line_records.js';

export interface ImportReport {
  readonly data: string;
  readonly source: string;
  readonly split_mode: 'explicit' | 'random';
  readonly group_by: string;
  readonly sizes: Record<SplitName, number>;
  readonly groups: Record<SplitName, number>;
  readonly skipped_total: number;
  readonly skipped_by_reason: Partial<Record<SkipReason, number>>;
  readonly skipped: readonly SkippedSample[];
  /** Characters of the vocabulary (without special tokens), in mapping order. */
  readonly vocabulary: readonly string[];
  /** Characters in transcriptions that the vocabulary lacks, with counts per split; they are dropped from labels. */
  readonly missing_characters: Record<SplitName, Record<string, number>>;
  /** Transcriptions longer than max_label_length (cut when encoded). */
  readonly truncated_labels: number;
}

export function countReasons(skipped: readonly SkippedSample[]): Partial<Record<SkipReason, number>> {
  const out: Partial<Record<SkipReason, number>> = {};
  for (const s of skipped) out[s.reason] = (out[s.reason] ?? 0) + 1;
  return out;
}

/** One line for the console. */
export function summarize(r: ImportReport, reportFile: string): string {
  const reasons = Object.entries(r.skipped_by_reason).map(([k, v]) => `${k} ${v}`).join(', ');
  const missing = new Set(Object.values(r.missing_characters).flatMap((m) => Object.keys(m)));
  return (
    `${r.data}: ${r.sizes.train}/${r.sizes.val}/${r.sizes.test} train/val/test lines (${r.split_mode} split)` +
    `; skipped ${r.skipped_total}${reasons ? ` (${reasons})` : ''}` +
    `; ${missing.size} character(s) outside the vocabulary` +
    `; report: ${reportFile}`
  );
}

export function formatReport(r: ImportReport): string {
  const lines = [
    `${r.data} import of ${r.source}`,
    `splits: ${r.split_mode}, grouped by ${r.group_by}`,
    ...(['train', 'val', 'test'] as const).map((s) => `  ${s}: ${r.sizes[s]} lines in ${r.groups[s]} group(s)`),
    `vocabulary: ${r.vocabulary.length} characters ${JSON.stringify(r.vocabulary.join(''))}`,
  ];
  for (const s of ['train', 'val', 'test'] as const) {
    const entries = Object.entries(r.missing_characters[s]).sort((a, b) => b[1] - a[1]);
    if (entries.length > 0) lines.push(`characters not in the vocabulary (${s}, dropped from labels): ${entries.map(([ch, n]) => `${JSON.stringify(ch)} x${n}`).join(', ')}`);
  }
  if (r.truncated_labels > 0) lines.push(`labels longer than max_label_length (cut): ${r.truncated_labels}`);
  lines.push(`skipped: ${r.skipped_total}`);
  for (const [reason, n] of Object.entries(r.skipped_by_reason)) lines.push(`  ${reason}: ${n}`);
  for (const s of r.skipped) lines.push(`  - [${s.reason}] ${s.id}${s.detail ? `: ${s.detail}` : ''}`);
  return `${lines.join('\n')}\n`;
}

export async function writeReport(dir: string, report: ImportReport): Promise<void> {
  await writeFile(join(dir, 'report.json'), JSON.stringify(report, null, 1));
  await writeFile(join(dir, 'report.txt'), formatReport(report));
}
