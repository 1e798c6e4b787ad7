/**
 * The results database: collections, pages (one row per page hash and model,
 * per collection), their lines and the pages that failed; line text is indexed
 * with FTS5, kept in step by triggers. Bump SCHEMA_VERSION on any change.
 */
export const SCHEMA_VERSION = 1;

export const SCHEMA_SQL = `
CREATE TABLE IF NOT EXISTS collections (
  id INTEGER PRIMARY KEY,
  name TEXT NOT NULL UNIQUE,
  created_at INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS pages (
  id INTEGER PRIMARY KEY,
  collection_id INTEGER NOT NULL REFERENCES collections(id),
  page_hash TEXT NOT NULL,
  model_id TEXT NOT NULL,
  file TEXT NOT NULL,
  width INTEGER NOT NULL,
  height INTEGER NOT NULL,
  line_count INTEGER NOT NULL,
  recognized_at INTEGER NOT NULL,
  UNIQUE (collection_id, page_hash, model_id)
);
CREATE INDEX IF NOT EXISTS pages_recognized_at ON pages(collection_id, recognized_at);
CREATE TABLE IF NOT EXISTS lines (
  id INTEGER PRIMARY KEY,
  page_id INTEGER NOT NULL REFERENCES pages(id) ON DELETE CASCADE,
  idx INTEGER NOT NULL,
  x0 INTEGER NOT NULL, y0 INTEGER NOT NULL, x1 INTEGER NOT NULL, y1 INTEGER NOT NULL,
  polygon TEXT,
  text TEXT NOT NULL,
  confidence REAL NOT NULL,
  chars TEXT NOT NULL,
  model_id TEXT NOT NULL,
  UNIQUE (page_id, idx)
);
CREATE TABLE IF NOT EXISTS failures (
  collection_id INTEGER NOT NULL REFERENCES collections(id),
  page_hash TEXT NOT NULL,
  model_id TEXT NOT NULL,
  file TEXT NOT NULL,
  code TEXT,
  reason TEXT NOT NULL,
  attempts INTEGER NOT NULL,
  failed_at INTEGER NOT NULL,
  PRIMARY KEY (collection_id, page_hash, model_id)
);
CREATE VIRTUAL TABLE IF NOT EXISTS lines_fts USING fts5(text, content='lines', content_rowid='id', tokenize='unicode61 remove_diacritics 2');
CREATE TRIGGER IF NOT EXISTS lines_ai AFTER INSERT ON lines BEGIN
  INSERT INTO lines_fts(rowid, text) VALUES (new.id, new.text);
END;
CREATE TRIGGER IF NOT EXISTS lines_ad AFTER DELETE ON lines BEGIN
  INSERT INTO lines_fts(lines_fts, rowid, text) VALUES ('delete', old.id, old.text);
END;
CREATE TRIGGER IF NOT EXISTS lines_au AFTER UPDATE ON lines BEGIN
  INSERT INTO lines_fts(lines_fts, rowid, text) VALUES ('delete', old.id, old.text);
  INSERT INTO lines_fts(rowid, text) VALUES (new.id, new.text);
END;
`;
