import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cropPolygon, insidePolygon } from '../../../../model_package/data/own/polygon_crop.js';
import { PageXmlLines, PageXmlLinesConfig } from '../../../../model_package/data/own/page_xml_lines.js';
import { parsePageXml } from '../../../../model_package/data/own/page_xml.js';
import type { Sample } from '../../../../model_package/core/data_types.js';
import { isHtrError } from '../../../../model_package/errors.js';
import { decodeGray, grayToLineImage } from '../../../../model_package/preprocess/line_image.js';
import { pageImage, pageXml, put, tempDir, writeZip, type FixtureLine } from './own_fixtures.js';

const LINES_A: FixtureLine[] = [
  { id: 'l1', text: 'first line of page a', box: [20, 20, 300, 40] },
  { id: 'l2', text: 'second & <line>', box: [20, 80, 280, 40] },
  { id: 'l3', text: 'third one', box: [20, 140, 200, 40] },
];
const LINES_B: FixtureLine[] = [
  { id: 'l1', text: 'page b starts', box: [30, 30, 250, 36] },
  { id: 'l2', text: 'page b ends', box: [30, 90, 250, 36] },
];

const config = (path: string, extra: Record<string, unknown> = {}) => PageXmlLinesConfig.parse({ path, processed_dir: tempDir('htr-page-cache-'), ...extra });

async function all(dm: PageXmlLines): Promise<Sample[]> {
  const s = dm['requireSplits']();
  const ds = [s.train, s.val, s.test];
  return (await Promise.all(ds.map((d) => Promise.all(Array.from({ length: d.length }, (_, i) => d.get(i)))))).flat();
}

/** Transkribus layout: images at the top, PAGE files in page/. */
async function transkribusExport(root: string, pages = 4): Promise<void> {
  for (let p = 0; p < pages; p++) {
    const lines = p % 2 === 0 ? LINES_A : LINES_B;
    put(root, `doc/scan${p}.png`, await pageImage(400, 300, lines));
    put(root, `doc/page/scan${p}.xml`, pageXml(`C:\\Users\\someone\\export\\scan${p}.png`, lines, { wordsOnly: p === 1 ? ['l2'] : [] }));
  }
}

describe('PAGE-XML parsing', () => {
  it('reads line polygons and text, preferring line TextEquiv and falling back to words', () => {
    const doc = parsePageXml(pageXml('x.png', LINES_B, { wordsOnly: ['l2'] }), 'x.xml');
    expect(doc.imageFilename).toBe('x.png');
    expect(doc.lines.map((l) => l.text)).toEqual(['page b starts', 'page b ends']);
    expect(doc.lines[0]!.polygon).toEqual([[30, 30], [280, 30], [280, 66], [30, 66]]);
  });

  it('reports lines without coordinates or text, and malformed files', () => {
    const xml = pageXml('x.png', LINES_B).replace('<Coords points="30,30 280,30 280,66 30,66"/><TextEquiv>', '<TextEquiv>').replace('<Unicode>page b ends</Unicode>', '<Unicode>  </Unicode>');
    const doc = parsePageXml(xml, 'x.xml');
    expect(doc.lines).toHaveLength(0);
    expect(doc.problems.map((p) => p.reason)).toEqual(['bad_coordinates', 'empty_transcription']);
    let caught: unknown;
    try {
      parsePageXml('<PcGts><Page imageFilename="a.png"><TextLine>', 'broken.xml');
    } catch (err) {
      caught = err;
    }
    expect(isHtrError(caught, 'HTR_ERR_MALFORMED_XML')).toBe(true);
    expect(String(caught)).toContain('broken.xml');
  });
});

describe('PageXmlLines', () => {
  it('crops every TextLine from its page image, grouped by page', async () => {
    const root = tempDir();
    await transkribusExport(root);
    const dm = new PageXmlLines(config(root, { val_fraction: 0.25, test_fraction: 0.25 }));
    await dm.setup('fit');
    const got = await all(dm);
    expect(got).toHaveLength(10);
    expect(got.find((s) => s.id === 'doc/page/scan1.xml#l2')!.text).toBe('page b ends');
    expect(got.find((s) => s.id === 'doc/page/scan0.xml#l2')!.text).toBe('second & <line>');
    // Page grouping: all lines of a page in one split.
    const s = dm['requireSplits']();
    for (const split of [s.train, s.val, s.test]) expect(split.length).toBeGreaterThan(0);
    const pageOf = (id: string) => id.split('#')[0];
    const splitOfPage = new Map<string, number>();
    for (const [k, split] of [s.train, s.val, s.test].entries()) {
      for (let i = 0; i < split.length; i++) {
        const page = pageOf((await split.get(i)).id) as string;
        expect(splitOfPage.get(page) ?? k).toBe(k);
        splitOfPage.set(page, k);
      }
    }
    // A crop equals the shared preprocessing of the same region cut by hand.
    const sample = got.find((x) => x.id === 'doc/page/scan0.xml#l1')!;
    const page = await decodeGray(join(root, 'doc/scan0.png'));
    const crop = cropPolygon(page, [[20, 20], [320, 20], [320, 60], [20, 60]], false, 255)!;
    expect(crop.width).toBe(300);
    expect(crop.height).toBe(40);
    expect(Array.from(sample.image.data)).toEqual(Array.from((await grayToLineImage(crop, { height: 28, width: 512 })).data));
  });

  it('skips and reports malformed XML, missing page images and bad coordinates', async () => {
    const root = tempDir();
    await transkribusExport(root, 2);
    put(root, 'doc/page/broken.xml', '<?xml version="1.0"?><PcGts><Page imageFilename="scan0.png"><TextRegion>');
    put(root, 'doc/page/lost.xml', pageXml('lost.png', LINES_B));
    put(root, 'doc/page/outside.xml', pageXml('scan0.png', [{ id: 'far', text: 'off the page', box: [900, 900, 50, 20] }]));
    put(root, 'doc/mets.xml', '<mets:mets xmlns:mets="http://www.loc.gov/METS/"/>');
    const dm = new PageXmlLines(config(root));
    await dm.setup('fit');
    const p = dm.properties();
    expect((p.train_size as number) + (p.val_size as number) + (p.test_size as number)).toBe(5);
    expect(p.skipped_by_reason).toEqual({ malformed_xml: 1, missing_image: 2, bad_coordinates: 1 });
    const report = readFileSync(p.report_file as string, 'utf8');
    expect(report).toContain('doc/page/broken.xml');
    expect(report).toContain('doc/page/lost.xml#l1');
    expect(report).not.toContain('mets.xml');
  });

  it('masks outside the polygon with crop=polygon and reads a zipped export', async () => {
    const tri: [number, number][] = [[0, 0], [10, 0], [0, 10]];
    expect(insidePolygon(2, 2, tri)).toBe(true);
    expect(insidePolygon(8, 8, tri)).toBe(false);
    const img = { data: new Uint8Array(100).fill(0), width: 10, height: 10 };
    const masked = cropPolygon(img, tri, true, 255)!;
    expect(masked.data[0]).toBe(0);
    expect(masked.data[99]).toBe(255);

    const entries = [];
    for (let p = 0; p < 3; p++) {
      entries.push({ name: `export/scan${p}.png`, data: await pageImage(400, 300, LINES_A) });
      entries.push({ name: `export/page/scan${p}.xml`, data: pageXml(`scan${p}.png`, LINES_A) });
    }
    const zip = join(tempDir(), 'export.zip');
    writeZip(zip, entries);
    const dm = new PageXmlLines(config(zip, { crop: 'polygon' }));
    await dm.setup('fit');
    expect(await all(dm)).toHaveLength(9);
    expect(dm.properties().group_by).toBe('auto');
    expect(dm.properties().groups).toEqual({ train: 1, val: 1, test: 1 });
  });

  it('produces lines of the declared height at their own width (never squeezed), at most max_width', async () => {
    const root = tempDir();
    await transkribusExport(root, 3);
    const dm = new PageXmlLines(config(root, { height: 32, max_width: 300 }));
    await dm.setup('fit');
    expect(dm.dataConfig().inputDims).toEqual([1, 32, 300]);
    for (const s of await all(dm)) {
      expect(s.image.height).toBe(32);
      expect(s.image.width).toBeGreaterThan(32);
      expect(s.image.width).toBeLessThanOrEqual(300);
      expect(s.image.data.length).toBe(32 * s.image.width);
      expect(Math.max(...s.image.data)).toBeGreaterThan(0.5);
    }
  });
});
