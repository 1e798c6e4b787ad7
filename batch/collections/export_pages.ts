/**
 * `htr_batch export --format jsonl|txt|page-xml|alto`: stored pages out.
 * jsonl and txt make one file (or stdout); page-xml and alto one file per page
 * in a folder, named after the page's file.
 */
import path from 'node:path';
import { writeFileAtomic } from '../../model_package/core/atomic_write.js';
import { pageXml } from '../../model_package/inference/page_xml_writer.js';
import { altoXml } from './alto_writer.js';
import type { StoredPage } from './result_store.js';

export const EXPORT_FORMATS = ['jsonl', 'txt', 'page-xml', 'alto'] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

export function pageRecord(p: StoredPage): Record<string, unknown> {
  return {
    collection: p.collection,
    file: p.file,
    page_hash: p.pageHash,
    model_id: p.modelId,
    width: p.width,
    height: p.height,
    text: p.lines.map((l) => l.text).join('\n'),
    lines: p.lines.map((l) => ({ box: l.box, ...(l.polygon ? { polygon: l.polygon } : {}), text: l.text, confidence: Number(l.confidence.toFixed(6)), chars: l.chars })),
  };
}

/** `scans/a/p1.png` -> `scans__a__p1.xml`: unique per page, flat in one folder. */
export function exportName(file: string, ext: string): string {
  const flat = file.replace(/^[./]+/, '').replace(/[:\\/]+/g, '__');
  return flat.replace(/\.[^.]+$/, '') + ext;
}

function imageName(file: string): string {
  return path.basename(file.split(':').pop() as string);
}

/** jsonl/txt: the text to write; one record or block per page. */
export function exportText(pages: readonly StoredPage[], format: 'jsonl' | 'txt'): string {
  if (format === 'jsonl') return pages.map((p) => `${JSON.stringify(pageRecord(p))}\n`).join('');
  return pages.map((p) => `# ${p.file}\n${p.lines.map((l) => l.text).join('\n')}\n\n`).join('');
}

/** page-xml/alto: one file per page in `dir`; returns the paths written. */
export async function exportXml(pages: readonly StoredPage[], format: 'page-xml' | 'alto', dir: string): Promise<string[]> {
  const written: string[] = [];
  for (const p of pages) {
    const file = path.join(dir, exportName(p.file, '.xml'));
    const xml =
      format === 'alto'
        ? altoXml(p, imageName(p.file))
        : pageXml({ imageFilename: imageName(p.file), width: p.width, height: p.height, boxes: p.lines.map((l) => l.box), lines: p.lines, creator: `htr-ts ${p.modelId.slice(0, 16)}` });
    await writeFileAtomic(file, xml);
    written.push(file);
  }
  return written;
}
