/**
 * A stored page -> ALTO 4 XML: one TextBlock, a TextLine per line with its box
 * (HPOS/VPOS/WIDTH/HEIGHT in pixels) and one String holding the line's text and
 * confidence (WC), which is how line-level HTR output is usually given in ALTO.
 */
import type { StoredPage } from './result_store.js';

const NS = 'http://www.loc.gov/standards/alto/ns-v4#';

function esc(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

export function altoXml(page: StoredPage, imageFilename: string): string {
  const lines = page.lines.map((l, i) => {
    const { left, top, right, bottom } = l.box;
    const pos = `HPOS="${left}" VPOS="${top}" WIDTH="${right - left}" HEIGHT="${bottom - top}"`;
    return [
      `        <TextLine ID="l${i + 1}" ${pos}>`,
      `          <String ID="l${i + 1}_s1" ${pos} CONTENT="${esc(l.text)}" WC="${l.confidence.toFixed(4)}"/>`,
      '        </TextLine>',
    ].join('\n');
  });
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<alto xmlns="${NS}">`,
    '  <Description>',
    '    <MeasurementUnit>pixel</MeasurementUnit>',
    `    <sourceImageInformation><fileName>${esc(imageFilename)}</fileName></sourceImageInformation>`,
    `    <OCRProcessing ID="p1"><ocrProcessingStep><processingSoftware><softwareName>htr-ts</softwareName></processingSoftware><processingStepSettings>model ${esc(page.modelId)}</processingStepSettings></ocrProcessingStep></OCRProcessing>`,
    '  </Description>',
    '  <Layout>',
    `    <Page ID="page1" PHYSICAL_IMG_NR="1" WIDTH="${page.width}" HEIGHT="${page.height}">`,
    `      <PrintSpace HPOS="0" VPOS="0" WIDTH="${page.width}" HEIGHT="${page.height}">`,
    '      <TextBlock ID="b1">',
    ...lines,
    '      </TextBlock>',
    '      </PrintSpace>',
    '    </Page>',
    '  </Layout>',
    '</alto>',
    '',
  ].join('\n');
}
