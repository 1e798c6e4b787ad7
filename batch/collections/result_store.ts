/**
 * The embedded results store: one SQLite file in WAL mode, so several worker
 * processes on one machine can write while `status`, `search` and the server read.
 * A page is written in one transaction keyed by (collection, page hash, model id):
 * delivering the same job twice replaces the page's lines instead of adding to them.
 */
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import type { CharProb } from '../../model_package/inference/line_recognizer.js';
import type { LineBox } from '../../model_package/inference/segment_lines.js';
import type { LineResult, PageJob, PageResult } from './page_result.js';
import { SCHEMA_SQL, SCHEMA_VERSION } from './store_schema.js';
import { ftsQuery } from './search_query.js';

export const DEFAULT_DB = 'runs/collections.db';

export interface StoredPage {
  readonly collection: string;
  readonly file: string;
  readonly pageHash: string;
  readonly modelId: string;
  readonly width: number;
  readonly height: number;
  readonly recognizedAt: number;
  readonly lines: LineResult[];
}

export interface Failure {
  readonly collection: string;
  readonly file: string;
  readonly pageHash: string;
  readonly modelId: string;
  readonly code: string | null;
  readonly reason: string;
  readonly attempts: number;
  readonly failedAt: number;
}

export interface CollectionCounts {
  readonly collection: string;
  readonly done: number;
  readonly failed: number;
  readonly lines: number;
  /** Pages per second over the last `windowS` seconds of writes (0 when idle). */
  readonly pagesPerS: number;
}

export interface SearchHit {
  readonly collection: string;
  readonly file: string;
  readonly pageHash: string;
  readonly modelId: string;
  readonly line: number;
  readonly box: LineBox;
  readonly text: string;
  readonly confidence: number;
  /** Which store the hit came from (when several are merged). */
  readonly db: string;
}

export interface SearchOptions {
  readonly collection?: string;
  readonly limit?: number;
}

interface LineRow {
  idx: number;
  x0: number;
  y0: number;
  x1: number;
  y1: number;
  polygon: string | null;
  text: string;
  confidence: number;
  chars: string;
}

export class ResultStore {
  readonly db: Database.Database;

  constructor(readonly file: string, options: { readonly readonly?: boolean } = {}) {
    if (!options.readonly) mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
    this.db = new Database(file, { readonly: options.readonly ?? false, fileMustExist: options.readonly ?? false });
    // Writers queue for the lock instead of failing at once with SQLITE_BUSY.
    this.db.pragma('busy_timeout = 30000');
    if (!options.readonly) {
      this.db.pragma('journal_mode = WAL');
      this.db.pragma('synchronous = NORMAL');
      this.db.pragma('foreign_keys = ON');
      const version = this.db.pragma('user_version', { simple: true }) as number;
      this.db.transaction(() => {
        this.db.exec(SCHEMA_SQL);
        if (version === 0) this.db.pragma(`user_version = ${SCHEMA_VERSION}`);
      }).immediate();
    }
  }

  close(): void {
    this.db.close();
  }

  private collectionId(name: string): number {
    this.db.prepare('INSERT INTO collections(name, created_at) VALUES (?, ?) ON CONFLICT(name) DO NOTHING').run(name, Date.now());
    return (this.db.prepare('SELECT id FROM collections WHERE name = ?').get(name) as { id: number }).id;
  }

  /** Stores a page's lines, replacing any earlier result for the same page and model, and clears its failure. */
  savePage(job: PageJob, result: PageResult): void {
    this.db.transaction(() => {
      const cid = this.collectionId(job.collection);
      const { id } = this.db
        .prepare(
          `INSERT INTO pages(collection_id, page_hash, model_id, file, width, height, line_count, recognized_at)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?)
           ON CONFLICT(collection_id, page_hash, model_id) DO UPDATE SET
             file = excluded.file, width = excluded.width, height = excluded.height,
             line_count = excluded.line_count, recognized_at = excluded.recognized_at
           RETURNING id`,
        )
        .get(cid, job.pageHash, job.modelId, job.file, result.width, result.height, result.lines.length, Date.now()) as { id: number };
      this.db.prepare('DELETE FROM lines WHERE page_id = ?').run(id);
      const insert = this.db.prepare(
        'INSERT INTO lines(page_id, idx, x0, y0, x1, y1, polygon, text, confidence, chars, model_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
      );
      result.lines.forEach((l, i) => {
        insert.run(id, i, l.box.left, l.box.top, l.box.right, l.box.bottom, l.polygon ? JSON.stringify(l.polygon) : null, l.text, l.confidence, JSON.stringify(l.chars), job.modelId);
      });
      this.db.prepare('DELETE FROM failures WHERE collection_id = ? AND page_hash = ? AND model_id = ?').run(cid, job.pageHash, job.modelId);
    }).immediate();
  }

  /** Records a page that ran out of attempts, with its error. */
  saveFailure(job: PageJob, reason: string, attempts: number): void {
    const code = /^(HTR_ERR_[A-Z0-9_]+)/.exec(reason)?.[1] ?? null;
    this.db.transaction(() => {
      const cid = this.collectionId(job.collection);
      this.db
        .prepare(
          `INSERT INTO failures(collection_id, page_hash, model_id, file, code, reason, attempts, failed_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
           ON CONFLICT(collection_id, page_hash, model_id) DO UPDATE SET file = excluded.file, code = excluded.code, reason = excluded.reason,
             attempts = failures.attempts + excluded.attempts, failed_at = excluded.failed_at`,
        )
        .run(cid, job.pageHash, job.modelId, job.file, code, reason, attempts, Date.now());
    }).immediate();
  }

  clearFailure(job: PageJob): void {
    this.db
      .prepare('DELETE FROM failures WHERE page_hash = ? AND model_id = ? AND collection_id = (SELECT id FROM collections WHERE name = ?)')
      .run(job.pageHash, job.modelId, job.collection);
  }

  /** Page hashes already recognized by `modelId` in `collection` (what resume skips). */
  donePages(collection: string, modelId: string): Set<string> {
    const rows = this.db
      .prepare('SELECT page_hash FROM pages p JOIN collections c ON c.id = p.collection_id WHERE c.name = ? AND p.model_id = ?')
      .all(collection, modelId) as Array<{ page_hash: string }>;
    return new Set(rows.map((r) => r.page_hash));
  }

  failures(collection?: string): Failure[] {
    const rows = this.db
      .prepare(
        `SELECT c.name AS collection, f.file, f.page_hash AS pageHash, f.model_id AS modelId, f.code, f.reason, f.attempts, f.failed_at AS failedAt
         FROM failures f JOIN collections c ON c.id = f.collection_id WHERE ? IS NULL OR c.name = ? ORDER BY f.failed_at`,
      )
      .all(collection ?? null, collection ?? null) as Failure[];
    return rows;
  }

  /** Done/failed pages and lines per collection, with the recent write rate. */
  counts(options: { readonly collection?: string; readonly windowS?: number; readonly now?: number } = {}): CollectionCounts[] {
    const windowMs = (options.windowS ?? 60) * 1000;
    const now = options.now ?? Date.now();
    const c = options.collection ?? null;
    return this.db
      .prepare(
        `SELECT c.name AS collection,
           (SELECT COUNT(*) FROM pages p WHERE p.collection_id = c.id) AS done,
           (SELECT COUNT(*) FROM failures f WHERE f.collection_id = c.id) AS failed,
           (SELECT COALESCE(SUM(line_count), 0) FROM pages p WHERE p.collection_id = c.id) AS lines,
           (SELECT COUNT(*) FROM pages p WHERE p.collection_id = c.id AND p.recognized_at > ?) AS recent,
           (SELECT MIN(recognized_at) FROM pages p WHERE p.collection_id = c.id AND p.recognized_at > ?) AS first_recent
         FROM collections c WHERE ? IS NULL OR c.name = ? ORDER BY c.name`,
      )
      .all(now - windowMs, now - windowMs, c, c)
      .map((r) => {
        const row = r as { collection: string; done: number; failed: number; lines: number; recent: number; first_recent: number | null };
        // Rate over the span actually covered by recent writes, so a run younger than the window is not under-counted.
        const spanS = row.first_recent === null ? 0 : Math.max(1, (now - row.first_recent) / 1000);
        return { collection: row.collection, done: row.done, failed: row.failed, lines: row.lines, pagesPerS: spanS ? row.recent / spanS : 0 };
      });
  }

  /** Lines whose text matches every word of `q`, best match first. */
  search(q: string, options: SearchOptions = {}): SearchHit[] {
    const match = ftsQuery(q);
    if (!match) return [];
    const rows = this.db
      .prepare(
        `SELECT c.name AS collection, p.file, p.page_hash AS pageHash, p.model_id AS modelId, l.idx AS line,
           l.x0, l.y0, l.x1, l.y1, l.text, l.confidence
         FROM lines_fts JOIN lines l ON l.id = lines_fts.rowid JOIN pages p ON p.id = l.page_id JOIN collections c ON c.id = p.collection_id
         WHERE lines_fts MATCH ? AND (? IS NULL OR c.name = ?)
         ORDER BY bm25(lines_fts), p.file, l.idx LIMIT ?`,
      )
      .all(match, options.collection ?? null, options.collection ?? null, options.limit ?? 50) as Array<
      Omit<SearchHit, 'box' | 'db'> & { x0: number; y0: number; x1: number; y1: number }
    >;
    return rows.map(({ x0, y0, x1, y1, ...r }) => ({ ...r, box: { left: x0, top: y0, right: x1, bottom: y1 }, db: this.file }));
  }

  /** Every stored page of a collection (or all; or one page by hash), with its lines, in file order. */
  *pages(filter: { readonly collection?: string; readonly pageHash?: string } = {}): Generator<StoredPage> {
    const c = filter.collection ?? null;
    const h = filter.pageHash ?? null;
    const pages = this.db
      .prepare(
        `SELECT p.id, c.name AS collection, p.file, p.page_hash AS pageHash, p.model_id AS modelId, p.width, p.height, p.recognized_at AS recognizedAt
         FROM pages p JOIN collections c ON c.id = p.collection_id
         WHERE (? IS NULL OR c.name = ?) AND (? IS NULL OR p.page_hash = ?) ORDER BY c.name, p.file, p.model_id`,
      )
      .all(c, c, h, h) as Array<Omit<StoredPage, 'lines'> & { id: number }>;
    const linesOf = this.db.prepare('SELECT idx, x0, y0, x1, y1, polygon, text, confidence, chars FROM lines WHERE page_id = ? ORDER BY idx');
    for (const { id, ...page } of pages) {
      const lines = (linesOf.all(id) as LineRow[]).map((l) => ({
        box: { left: l.x0, top: l.y0, right: l.x1, bottom: l.y1 },
        ...(l.polygon ? { polygon: JSON.parse(l.polygon) as Array<[number, number]> } : {}),
        text: l.text,
        confidence: l.confidence,
        chars: JSON.parse(l.chars) as CharProb[],
      }));
      yield { ...page, lines };
    }
  }
}
