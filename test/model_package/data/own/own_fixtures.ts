/**
 * Fixture builders for the own-data tests: line and page images (dark ink
 * on white), PAGE-XML and ALTO documents, and zip archives with arbitrary entry
 * names (including the hostile ones a zip-slip test needs).
 */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import sharp from 'sharp';
import { zipBytes, type ZipEntry } from '../../../fixtures/zip_writer.js';

export function tempDir(prefix = 'htr-own-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

export function put(root: string, rel: string, data: Buffer | string): string {
  const file = join(root, rel);
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, data);
  return file;
}

/** A w x h white image with `marks` dark vertical bars (a stand-in for ink), seeded by `seed`. */
export function inkRaw(width: number, height: number, seed: number): Buffer {
  const px = Buffer.alloc(width * height, 255);
  let s = seed * 7919 + 13;
  for (let x = 2; x < width - 2; x += 3) {
    s = (s * 1103515245 + 12345) >>> 0;
    if (s % 3 === 0) continue;
    const top = 2 + (s % Math.max(1, height >> 2));
    for (let y = top; y < height - 2; y++) px[y * width + x] = 20;
  }
  return px;
}

export async function encodeImage(raw: Buffer, width: number, height: number, format: 'png' | 'jpg' | 'tif'): Promise<Buffer> {
  const img = sharp(raw, { raw: { width, height, channels: 1 } });
  if (format === 'png') return img.png().toBuffer();
  if (format === 'jpg') return img.jpeg({ quality: 95 }).toBuffer();
  return img.tiff().toBuffer();
}

export async function lineImage(seed: number, format: 'png' | 'jpg' | 'tif' = 'png', width = 120, height = 30): Promise<Buffer> {
  return encodeImage(inkRaw(width, height, seed), width, height, format);
}

export interface FixtureLine {
  readonly id: string;
  readonly text: string;
  /** [x, y, w, h] of the line on the page. */
  readonly box: readonly [number, number, number, number];
}

/** A white page with a dark band drawn in each line box. */
export async function pageImage(width: number, height: number, lines: readonly FixtureLine[]): Promise<Buffer> {
  const px = Buffer.alloc(width * height, 255);
  lines.forEach((l, k) => {
    const [x0, y0, w, h] = l.box;
    for (let y = y0 + 2; y < y0 + h - 2; y++) for (let x = x0 + 2 + (k % 3); x < x0 + w - 2; x += 2) px[y * width + x] = 30;
  });
  return encodeImage(px, width, height, 'png');
}

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/"/g, '&quot;');

export function pageXml(imageFilename: string, lines: readonly FixtureLine[], opts: { wordsOnly?: readonly string[] } = {}): string {
  const body = lines
    .map((l) => {
      const [x, y, w, h] = l.box;
      const points = `${x},${y} ${x + w},${y} ${x + w},${y + h} ${x},${y + h}`;
      const text = opts.wordsOnly?.includes(l.id)
        ? l.text.split(' ').map((word, i) => `<Word id="${l.id}w${i}"><Coords points="${points}"/><TextEquiv><Unicode>${esc(word)}</Unicode></TextEquiv></Word>`).join('')
        : `<TextEquiv><Unicode>${esc(l.text)}</Unicode></TextEquiv>`;
      return `<TextLine id="${l.id}"><Coords points="${points}"/>${text}</TextLine>`;
    })
    .join('\n');
  return `<?xml version="1.0" encoding="UTF-8"?>
<PcGts xmlns="http://schema.primaresearch.org/PAGE/gts/pagecontent/2019-07-15">
  <Metadata><Creator>test</Creator></Metadata>
  <Page imageFilename="${esc(imageFilename)}" imageWidth="400" imageHeight="300">
    <TextRegion id="r1"><Coords points="0,0 400,0 400,300 0,300"/>
${body}
    </TextRegion>
  </Page>
</PcGts>
`;
}

export function altoXml(imageFilename: string, lines: readonly FixtureLine[], opts: { unit?: string; polygonFor?: readonly string[] } = {}): string {
  const body = lines
    .map((l) => {
      const [x, y, w, h] = l.box;
      const shape = opts.polygonFor?.includes(l.id) ? `<Shape><Polygon POINTS="${x} ${y} ${x + w} ${y} ${x + w} ${y + h} ${x} ${y + h}"/></Shape>` : '';
      const words = l.text.split(' ');
      const strings = words.map((word, i) => `<String CONTENT="${esc(word)}" HPOS="${x}" VPOS="${y}" WIDTH="10" HEIGHT="10"/>${i < words.length - 1 ? '<SP/>' : ''}`).join('');
      return `<TextLine ID="${l.id}" HPOS="${x}" VPOS="${y}" WIDTH="${w}" HEIGHT="${h}">${shape}${strings}</TextLine>`;
    })
    .join('\n');
  return `<?xml version="1.0" encoding="UTF-8"?>
<alto xmlns="http://www.loc.gov/standards/alto/ns-v4#">
  <Description>
    <MeasurementUnit>${opts.unit ?? 'pixel'}</MeasurementUnit>
    <sourceImageInformation><fileName>${esc(imageFilename)}</fileName></sourceImageInformation>
  </Description>
  <Layout><Page ID="p1" WIDTH="400" HEIGHT="300" PHYSICAL_IMG_NR="1"><PrintSpace><TextBlock ID="b1">
${body}
  </TextBlock></PrintSpace></Page></Layout>
</alto>
`;
}

/** Writes a zip of `entries` (names used verbatim, so hostile names are possible). */
export function writeZip(file: string, entries: readonly ZipEntry[]): void {
  writeFileSync(file, zipBytes(entries));
}
