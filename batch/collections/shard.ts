/**
 * `--shard i/n`: a deterministic slice of a collection for batch systems without
 * a queue (Kubernetes Indexed Jobs, AWS Batch array jobs). A page belongs to the
 * shard its content hash falls in, so slices do not depend on listing order, and
 * adding pages never moves a page to another shard.
 */
import { htrError } from '../../model_package/errors.js';

export interface Shard {
  readonly index: number;
  readonly count: number;
}

/** "2/8" -> { index: 2, count: 8 }; index counts from 0. */
export function parseShard(text: string): Shard {
  const m = /^(\d+)\/(\d+)$/.exec(text.trim());
  const index = m ? Number(m[1]) : NaN;
  const count = m ? Number(m[2]) : NaN;
  if (!m || count < 1 || index >= count) {
    throw htrError('HTR_ERR_CONFIG_INVALID', { key: '--shard', reason: `"${text}" is not i/n with 0 <= i < n (e.g. 0/4)` });
  }
  return { index, count };
}

/** Whether a page (by its sha256 hex) is in the shard. */
export function inShard(pageHash: string, shard: Shard | undefined): boolean {
  if (!shard || shard.count === 1) return true;
  // 48 bits of the hash: uniform enough, and exact in a double.
  return Number.parseInt(pageHash.slice(0, 12), 16) % shard.count === shard.index;
}
