/**
 * Line images with plain-text transcriptions, the layout PyLaia, Kraken and
 * Calamari users keep:
 *  - sidecars: `a/b/line1.png` + `a/b/line1.gt.txt` (png, jpg, tif);
 *  - manifests: `*.tsv` rows `path<TAB>text[<TAB>split[<TAB>writer]]`, paths
 *    relative to the manifest, optional header row naming the columns.
 * Splits come from a top folder (train/, val/, test/), a manifest named after a
 * split (train.tsv), or a split column; otherwise they are drawn later.
 */
import type { FileSource } from '../sources/file_source.js';
import {
  basenamePosix,
  cleanTranscription,
  decodeUtf8,
  dirnamePosix,
  isImagePath,
  joinPosix,
  splitFromName,
  splitFromPath,
  stripExtension,
  type Discovery,
  type LineRecord,
  type SkippedSample,
} from './line_records.js';

export const SIDECAR_SUFFIX = '.gt.txt';

/** Sidecar pairs: every image needs `<stem>.gt.txt`; every sidecar needs an image. */
export async function discoverSidecars(source: FileSource): Promise<Discovery> {
  const files = await source.list();
  const present = new Set(files);
  const records: LineRecord[] = [];
  const skipped: SkippedSample[] = [];
  const imagesByStem = new Set<string>();
  for (const file of files) {
    if (!isImagePath(file)) continue;
    const stem = stripExtension(file);
    imagesByStem.add(stem);
    const sidecar = stem + SIDECAR_SUFFIX;
    if (!present.has(sidecar)) {
      skipped.push({ id: file, reason: 'missing_transcription', detail: `no ${basenamePosix(sidecar)} beside it` });
      continue;
    }
    const decoded = decodeUtf8(await source.read(sidecar));
    if (decoded === undefined) {
      skipped.push({ id: file, reason: 'invalid_utf8', detail: `${sidecar} is not UTF-8 text (re-save it as UTF-8)` });
      continue;
    }
    const text = cleanTranscription(decoded);
    if (text === '') {
      skipped.push({ id: file, reason: 'empty_transcription', detail: `${basenamePosix(sidecar)} is empty` });
      continue;
    }
    const split = splitFromPath(file);
    records.push({ id: file, image: file, text, page: file, ...(split ? { split } : {}) });
  }
  for (const file of files) {
    if (file.endsWith(SIDECAR_SUFFIX) && !imagesByStem.has(file.slice(0, -SIDECAR_SUFFIX.length))) {
      skipped.push({ id: file, reason: 'missing_image', detail: 'transcription without a .png/.jpg/.tif image' });
    }
  }
  return { records, skipped };
}

const PATH_COLUMNS = new Set(['path', 'file', 'filename', 'image']);
const TEXT_COLUMNS = new Set(['text', 'transcription', 'label', 'gt']);

interface Columns {
  path: number;
  text: number;
  split?: number;
  writer?: number;
}

function headerColumns(cells: readonly string[]): Columns | undefined {
  const names = cells.map((c) => c.trim().toLowerCase());
  const path = names.findIndex((n) => PATH_COLUMNS.has(n));
  const text = names.findIndex((n) => TEXT_COLUMNS.has(n));
  if (path < 0 || text < 0) return undefined;
  const split = names.indexOf('split');
  const writer = names.indexOf('writer');
  return { path, text, ...(split >= 0 ? { split } : {}), ...(writer >= 0 ? { writer } : {}) };
}

/** Rows of every manifest in `manifests` (relative paths inside the source). */
export async function discoverManifests(source: FileSource, manifests: readonly string[]): Promise<Discovery> {
  const present = new Set(await source.list());
  const records: LineRecord[] = [];
  const skipped: SkippedSample[] = [];
  for (const manifest of manifests) {
    if (!present.has(manifest)) {
      skipped.push({ id: manifest, reason: 'missing_transcription', detail: 'manifest not found' });
      continue;
    }
    const dir = dirnamePosix(manifest);
    const fileSplit = splitFromName(stripExtension(basenamePosix(manifest)));
    const decoded = decodeUtf8(await source.read(manifest));
    if (decoded === undefined) {
      skipped.push({ id: manifest, reason: 'invalid_utf8', detail: 'manifest is not UTF-8 text (re-save it as UTF-8)' });
      continue;
    }
    const rows = decoded.replace(/^\uFEFF/, '').split('\n');
    let columns: Columns | undefined;
    let first = true;
    rows.forEach((rawRow, n) => {
      const row = rawRow.replace(/\r$/, '');
      const where = `${manifest}:${n + 1}`;
      if (row.trim() === '' || row.startsWith('#')) return;
      const cells = row.split('\t');
      if (first) {
        first = false;
        columns = headerColumns(cells);
        if (columns) return;
      }
      const cols = columns ?? { path: 0, text: 1, ...(cells.length >= 3 ? { split: 2 } : {}), ...(cells.length >= 4 ? { writer: 3 } : {}) };
      if (cells.length < 2 || (!columns && cells.length > 4)) {
        skipped.push({ id: where, reason: 'malformed_row', detail: `expected path<TAB>text[<TAB>split[<TAB>writer]], got ${cells.length} column(s)` });
        return;
      }
      const relPath = (cells[cols.path] ?? '').trim();
      const image = joinPosix(dir, relPath);
      if (relPath === '' || image === undefined) {
        skipped.push({ id: where, reason: relPath === '' ? 'malformed_row' : 'unsafe_path', detail: relPath === '' ? 'empty path' : `${relPath} escapes the data root` });
        return;
      }
      const splitCell = cols.split !== undefined ? (cells[cols.split] ?? '').trim() : '';
      const split = splitCell === '' ? fileSplit : splitFromName(splitCell);
      if (splitCell !== '' && split === undefined) {
        skipped.push({ id: where, reason: 'malformed_row', detail: `unknown split "${splitCell}" (use train, val or test)` });
        return;
      }
      if (!present.has(image)) {
        skipped.push({ id: where, reason: 'missing_image', detail: `${image} not found` });
        return;
      }
      const text = cleanTranscription(cells[cols.text] ?? '');
      if (text === '') {
        skipped.push({ id: where, reason: 'empty_transcription' });
        return;
      }
      const writer = cols.writer !== undefined ? (cells[cols.writer] ?? '').trim() : '';
      records.push({ id: image, image, text, page: image, ...(split ? { split } : {}), ...(writer ? { writer } : {}) });
    });
  }
  return { records, skipped };
}
