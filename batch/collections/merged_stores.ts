/**
 * Reading several stores as one: workers on other machines may each write their
 * own SQLite file; `search`, `export` and `status` take them all (`--db a.db,b.db`)
 * and merge. A page stored in more than one file counts once (the latest write).
 */
import { existsSync } from 'node:fs';
import { htrError } from '../../model_package/errors.js';
import { ResultStore, type CollectionCounts, type SearchHit, type SearchOptions, type StoredPage } from './result_store.js';

/** `--db a.db,b.db` -> paths. */
export function dbPaths(flag: string): string[] {
  return flag.split(',').map((s) => s.trim()).filter(Boolean);
}

export class MergedStores {
  readonly stores: ResultStore[];

  /** Opens the files read-only; a missing file is an error (a typo would otherwise look like an empty collection). */
  constructor(files: readonly string[]) {
    for (const f of files) if (!existsSync(f)) throw htrError('HTR_ERR_MISSING_FILE', { file: f, key: '--db' });
    this.stores = files.map((f) => new ResultStore(f, { readonly: true }));
  }

  close(): void {
    for (const s of this.stores) s.close();
  }

  /** Hits from every store, a line found in several stores once. */
  search(q: string, options: SearchOptions = {}): SearchHit[] {
    const limit = options.limit ?? 50;
    const seen = new Set<string>();
    const hits: SearchHit[] = [];
    // Round-robin keeps each store's own ranking (bm25 scores of different files do not compare).
    const lists = this.stores.map((s) => s.search(q, { ...options, limit }));
    for (let k = 0; hits.length < limit && lists.some((l) => k < l.length); k++) {
      for (const list of lists) {
        const h = list[k];
        if (!h) continue;
        const key = `${h.collection}\0${h.pageHash}\0${h.modelId}\0${h.line}`;
        if (seen.has(key) || hits.length >= limit) continue;
        seen.add(key);
        hits.push(h);
      }
    }
    return hits;
  }

  /** Every page once, in collection and file order. */
  pages(collection?: string): StoredPage[] {
    const byKey = new Map<string, StoredPage>();
    for (const store of this.stores) {
      for (const p of store.pages(collection === undefined ? {} : { collection })) {
        const key = `${p.collection}\0${p.pageHash}\0${p.modelId}`;
        const prev = byKey.get(key);
        if (!prev || p.recognizedAt > prev.recognizedAt) byKey.set(key, p);
      }
    }
    return [...byKey.values()].sort((a, b) => (a.collection === b.collection ? (a.file < b.file ? -1 : a.file > b.file ? 1 : 0) : a.collection < b.collection ? -1 : 1));
  }

  /** Counts summed over the stores (a page stored twice is counted twice: stores should not overlap). */
  counts(options: { readonly collection?: string; readonly windowS?: number } = {}): CollectionCounts[] {
    const sum = new Map<string, CollectionCounts>();
    for (const s of this.stores) {
      for (const c of s.counts(options)) {
        const prev = sum.get(c.collection);
        sum.set(c.collection, prev ? { collection: c.collection, done: prev.done + c.done, failed: prev.failed + c.failed, lines: prev.lines + c.lines, pagesPerS: prev.pagesPerS + c.pagesPerS } : c);
      }
    }
    return [...sum.values()];
  }
}
