/**
 * Recognition results -> PAGE-XML (2019 schema): one TextRegion holding a
 * TextLine per recognized line, with its box as Coords and the text and
 * confidence as TextEquiv. Readable by Transkribus/eScriptorium and by
 * `model_package/data/own/page_xml.ts`.
 */
import type { LineBox } from './segment_lines.js';
import type { LinePrediction } from './line_recognizer.js';

const NS = 'http://schema.primaresearch.org/PAGE/gts/pagecontent/2019-07-15';

function esc(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

function points(b: LineBox): string {
  const r = b.right - 1;
  const btm = b.bottom - 1;
  return `${b.left},${b.top} ${r},${b.top} ${r},${btm} ${b.left},${btm}`;
}

export interface PageXmlInput {
  readonly imageFilename: string;
  readonly width: number;
  readonly height: number;
  readonly boxes: readonly LineBox[];
  readonly lines: readonly LinePrediction[];
  /** Recorded in Metadata/Creator. */
  readonly creator?: string;
  readonly created?: Date;
}

export function pageXml(input: PageXmlInput): string {
  const created = (input.created ?? new Date()).toISOString();
  const all: LineBox = input.boxes.reduce(
    (acc, b) => ({ top: Math.min(acc.top, b.top), bottom: Math.max(acc.bottom, b.bottom), left: Math.min(acc.left, b.left), right: Math.max(acc.right, b.right) }),
    { top: input.height, bottom: 0, left: input.width, right: 0 },
  );
  const lines = input.lines.map((line, i) => {
    const box = input.boxes[i] as LineBox;
    return [
      `      <TextLine id="r1_l${i + 1}">`,
      `        <Coords points="${points(box)}"/>`,
      `        <TextEquiv conf="${line.confidence.toFixed(4)}"><Unicode>${esc(line.text)}</Unicode></TextEquiv>`,
      '      </TextLine>',
    ].join('\n');
  });
  const regionText = esc(input.lines.map((l) => l.text).join('\n'));
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<PcGts xmlns="${NS}">`,
    '  <Metadata>',
    `    <Creator>${esc(input.creator ?? 'htr-ts')}</Creator>`,
    `    <Created>${created}</Created>`,
    `    <LastChange>${created}</LastChange>`,
    '  </Metadata>',
    `  <Page imageFilename="${esc(input.imageFilename)}" imageWidth="${input.width}" imageHeight="${input.height}">`,
    '    <TextRegion id="r1">',
    `      <Coords points="${points(input.boxes.length ? all : { top: 0, left: 0, bottom: input.height, right: input.width })}"/>`,
    ...lines,
    `      <TextEquiv><Unicode>${regionText}</Unicode></TextEquiv>`,
    '    </TextRegion>',
    '  </Page>',
    '</PcGts>',
    '',
  ].join('\n');
}
