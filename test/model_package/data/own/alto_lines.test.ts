import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseAlto } from '../../../../model_package/data/own/alto.js';
import { AltoLines, AltoLinesConfig } from '../../../../model_package/data/own/alto_lines.js';
import type { Sample } from '../../../../model_package/core/data_types.js';
import { isHtrError } from '../../../../model_package/errors.js';
import { altoXml, pageImage, put, tempDir, type FixtureLine } from './own_fixtures.js';

const LINES: FixtureLine[] = [
  { id: 'tl1', text: 'Alto first line', box: [20, 20, 300, 40] },
  { id: 'tl2', text: 'second "quoted" line', box: [20, 80, 280, 40] },
  { id: 'tl3', text: 'third', box: [20, 140, 200, 40] },
];

const config = (path: string, extra: Record<string, unknown> = {}) => AltoLinesConfig.parse({ path, processed_dir: tempDir('htr-alto-cache-'), ...extra });

async function all(dm: AltoLines): Promise<Sample[]> {
  const s = dm['requireSplits']();
  return (await Promise.all([s.train, s.val, s.test].map((d) => Promise.all(Array.from({ length: d.length }, (_, i) => d.get(i)))))).flat();
}

describe('ALTO parsing', () => {
  it('joins String@CONTENT with single spaces, adds HYP, reads boxes and polygons', () => {
    const xml = altoXml('p.png', LINES, { polygonFor: ['tl2'] }).replace('<String CONTENT="third"', '<String CONTENT="thi"').replace(/(CONTENT="thi"[^>]*\/>)/, '$1<HYP CONTENT="-"/>');
    const doc = parseAlto(xml, 'p.xml');
    expect(doc.imageFilename).toBe('p.png');
    expect(doc.lines.map((l) => l.text)).toEqual(['Alto first line', 'second "quoted" line', 'thi-']);
    expect(doc.lines[0]!.polygon).toEqual([[20, 20], [320, 20], [320, 60], [20, 60]]);
    expect(doc.lines[1]!.polygon).toEqual([[20, 80], [300, 80], [300, 120], [20, 120]]);
  });

  it('refuses non-pixel units line by line and malformed files as a whole', () => {
    const doc = parseAlto(altoXml('p.png', LINES, { unit: 'mm10' }), 'p.xml');
    expect(doc.lines).toHaveLength(0);
    expect(doc.problems.every((p) => p.reason === 'bad_coordinates' && /mm10/.test(p.detail))).toBe(true);
    let caught: unknown;
    try {
      parseAlto('<alto><Layout><TextLine HPOS="1"></Layout></alto>', 'bad.xml');
    } catch (err) {
      caught = err;
    }
    expect(isHtrError(caught, 'HTR_ERR_MALFORMED_XML')).toBe(true);
  });
});

describe('AltoLines', () => {
  it('crops lines of every page, skipping and reporting bad files', async () => {
    const root = tempDir();
    for (let p = 0; p < 4; p++) {
      put(root, `alto/page${p}.png`, await pageImage(400, 300, LINES));
      put(root, `alto/page${p}.xml`, altoXml(`page${p}.png`, LINES, { polygonFor: ['tl1'] }));
    }
    put(root, 'alto/broken.xml', '<alto xmlns="http://www.loc.gov/standards/alto/ns-v4#"><Layout>');
    put(root, 'alto/units.xml', altoXml('page0.png', LINES.slice(0, 1), { unit: 'inch1200' }));
    put(root, 'alto/noimage.xml', altoXml('gone.png', LINES.slice(0, 2)));
    const dm = new AltoLines(config(root));
    await dm.setup('fit');
    const got = await all(dm);
    expect(got).toHaveLength(12);
    expect(new Set(got.map((s) => s.text))).toEqual(new Set(LINES.map((l) => l.text)));
    const p = dm.properties();
    expect(p.skipped_by_reason).toEqual({ malformed_xml: 1, bad_coordinates: 1, missing_image: 2 });
    expect(readFileSync(p.report_file as string, 'utf8')).toContain('alto/units.xml#tl1: MeasurementUnit "inch1200" is not supported');
    for (const s of got) expect(Math.max(...s.image.data)).toBeGreaterThan(0.5);
  });
});
