/**
 * ALTO XML (eScriptorium, Transkribus, OCR engines) -> text lines. A line's
 * region is its `Shape/Polygon@POINTS`, else the HPOS/VPOS/WIDTH/HEIGHT box;
 * its text is the `String@CONTENT`s joined by single spaces (a trailing `HYP`
 * adds its hyphen). Only pixel coordinates are supported.
 */
import type { Element } from '@xmldom/xmldom';
import { htrError } from '../../errors.js';
import { children, descendants, parsePoints, parseXml, type PageDocument, type PageLine } from './page_xml.js';

export function parseAlto(text: string, file: string): PageDocument {
  const root = parseXml(text, file);
  if (root.localName !== 'alto') throw htrError('HTR_ERR_MALFORMED_XML', { file, reason: `root element is <${root.localName}>, not <alto>` });
  const description = children(root, 'Description')[0];
  const unit = description ? (children(description, 'MeasurementUnit')[0]?.textContent ?? '').trim() : '';
  const info = description ? children(description, 'sourceImageInformation')[0] : undefined;
  const imageFilename = info ? (children(info, 'fileName')[0]?.textContent ?? '').trim() || undefined : undefined;
  const layout = children(root, 'Layout')[0];
  if (!layout) throw htrError('HTR_ERR_MALFORMED_XML', { file, reason: 'no <Layout> element' });
  const lines: PageLine[] = [];
  const problems: PageDocument['problems'][number][] = [];
  descendants(layout, 'TextLine', file).forEach((line, n) => {
    const id = line.getAttribute('ID') || line.getAttribute('id') || `line${n + 1}`;
    if (unit !== '' && unit !== 'pixel') {
      problems.push({ id, reason: 'bad_coordinates', detail: `MeasurementUnit "${unit}" is not supported (only pixel)` });
      return;
    }
    const polygon = linePolygon(line);
    if (!polygon) {
      problems.push({ id, reason: 'bad_coordinates', detail: 'no usable Shape/Polygon@POINTS or HPOS/VPOS/WIDTH/HEIGHT' });
      return;
    }
    const words: string[] = [];
    for (let node = line.firstChild; node; node = node.nextSibling) {
      if (node.nodeType !== 1) continue;
      const el = node as Element;
      if (el.localName === 'String') words.push(el.getAttribute('CONTENT') ?? '');
      else if (el.localName === 'HYP' && words.length > 0) words[words.length - 1] += el.getAttribute('CONTENT') ?? '-';
    }
    const lineText = words.filter((w) => w.trim() !== '').join(' ');
    if (lineText === '') {
      problems.push({ id, reason: 'empty_transcription', detail: 'no String@CONTENT text' });
      return;
    }
    lines.push({ id, polygon, text: lineText });
  });
  return { imageFilename, lines, problems };
}

function linePolygon(line: Element): [number, number][] | undefined {
  const shape = children(line, 'Shape')[0];
  const poly = shape ? children(shape, 'Polygon')[0] : undefined;
  const points = poly ? parsePoints(poly.getAttribute('POINTS')) : undefined;
  if (points) return points;
  const [x, y, w, h] = ['HPOS', 'VPOS', 'WIDTH', 'HEIGHT'].map((a) => Number(line.getAttribute(a) ?? NaN)) as [number, number, number, number];
  if (![x, y, w, h].every(Number.isFinite) || w <= 0 || h <= 0) return undefined;
  return [
    [x, y],
    [x + w, y],
    [x + w, y + h],
    [x, y + h],
  ];
}
