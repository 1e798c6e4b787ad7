/**
 * Page formats (PAGE-XML, ALTO) as line records: every XML file of the format
 * names its page image; every text line becomes a record cropping that image.
 * Exports put images beside the XML or one folder up (Transkribus `page/`), and
 * often record the exporting machine's absolute path, so several places are tried.
 */
import { isHtrError } from '../../errors.js';
import type { FileSource } from '../sources/file_source.js';
import {
  basenamePosix,
  cleanTranscription,
  dirnamePosix,
  IMAGE_EXTENSIONS,
  joinPosix,
  splitFromPath,
  stripExtension,
  type Discovery,
  type LineRecord,
  type SkippedSample,
} from './line_records.js';
import type { PageDocument } from './page_xml.js';

export interface PageFormat {
  readonly name: string;
  /** Text that marks a file of this format (root element start), checked before parsing. */
  readonly marker: RegExp;
  readonly parse: (text: string, file: string) => PageDocument;
}

/** The page image of `xmlPath`, or undefined when none of the usual places has it. */
export function resolvePageImage(xmlPath: string, imageFilename: string | undefined, present: ReadonlySet<string>): string | undefined {
  const dir = dirnamePosix(xmlPath);
  const parent = dirnamePosix(dir);
  const candidates: (string | undefined)[] = [];
  if (imageFilename) {
    const base = basenamePosix(imageFilename.replace(/\\/g, '/'));
    if (!/^([a-zA-Z]:|\/)/.test(imageFilename)) candidates.push(joinPosix(dir, imageFilename));
    candidates.push(joinPosix(dir, base), joinPosix(parent, base));
  }
  const stem = basenamePosix(stripExtension(xmlPath));
  for (const folder of [dir, parent]) for (const ext of IMAGE_EXTENSIONS) candidates.push(joinPosix(folder, stem + ext));
  return candidates.find((c): c is string => c !== undefined && present.has(c));
}

export async function discoverPages(source: FileSource, format: PageFormat): Promise<Discovery> {
  const files = await source.list();
  const present = new Set(files);
  const records: LineRecord[] = [];
  const skipped: SkippedSample[] = [];
  for (const file of files) {
    if (!file.toLowerCase().endsWith('.xml')) continue;
    const text = (await source.read(file)).toString('utf8');
    if (!format.marker.test(text.slice(0, 4096))) continue; // METS, other formats: not ours
    let doc: PageDocument;
    try {
      doc = format.parse(text, file);
    } catch (err) {
      if (!isHtrError(err)) throw err;
      skipped.push({ id: file, reason: 'malformed_xml', detail: String((err.details.reason as string | undefined) ?? err.message) });
      continue;
    }
    for (const p of doc.problems) skipped.push({ id: `${file}#${p.id}`, reason: p.reason, detail: p.detail });
    const image = resolvePageImage(file, doc.imageFilename, present);
    const split = splitFromPath(file);
    for (const line of doc.lines) {
      const id = `${file}#${line.id}`;
      if (!image) {
        skipped.push({ id, reason: 'missing_image', detail: `page image ${doc.imageFilename ?? '(not named)'} not found near ${file}` });
        continue;
      }
      const lineText = cleanTranscription(line.text);
      if (lineText === '') {
        skipped.push({ id, reason: 'empty_transcription' });
        continue;
      }
      records.push({ id, image, text: lineText, polygon: line.polygon, page: file, ...(split ? { split } : {}) });
    }
  }
  return { records, skipped };
}
