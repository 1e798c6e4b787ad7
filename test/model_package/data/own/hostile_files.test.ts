/**
 * Hostile label files (issue cases 5, 6, 14), as real files on disk: each bad
 * file becomes a skipped sample with its reason and file in the import report;
 * the rest of the import goes on.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FolderLines, FolderLinesConfig } from '../../../../model_package/data/own/folder_lines.js';
import { PageXmlLines, PageXmlLinesConfig } from '../../../../model_package/data/own/page_xml_lines.js';
import type { ImportReport } from '../../../../model_package/data/own/import_report.js';
import { lineImage, pageImage, pageXml, put, tempDir, type FixtureLine } from './own_fixtures.js';

function report(reportTxt: string): ImportReport {
  return JSON.parse(readFileSync(join(reportTxt, '..', 'report.json'), 'utf8')) as ImportReport;
}

describe('hostile label files', () => {
  it('5 + 14. a 100,000-character label is skipped as too_long, a Latin-1 one as invalid_utf8', async () => {
    const root = tempDir();
    for (let i = 0; i < 6; i++) {
      put(root, `lines/l${i}.png`, await lineImage(i));
      put(root, `lines/l${i}.gt.txt`, `line ${i}`);
    }
    put(root, 'lines/huge.png', await lineImage(40));
    put(root, 'lines/huge.gt.txt', 'a'.repeat(100_000));
    put(root, 'lines/latin1.png', await lineImage(41));
    put(root, 'lines/latin1.gt.txt', Buffer.from('caf\xe9 cr\xe8me', 'latin1'));
    const cache = tempDir('htr-own-cache-');
    const dm = new FolderLines(FolderLinesConfig.parse({ path: root, processed_dir: cache, val_fraction: 0, test_fraction: 0 }));
    await dm.setup('fit');
    const r = report(dm.reportFile());
    expect(r.sizes.train).toBe(6);
    expect(r.skipped).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ id: 'lines/huge.png', reason: 'too_long', detail: expect.stringMatching(/100000 characters, over data.max_text_length 1000/) }),
        expect.objectContaining({ id: 'lines/latin1.png', reason: 'invalid_utf8', detail: expect.stringContaining('lines/latin1.gt.txt') }),
      ]),
    );
    // The label length comes from the lines kept, so no giant label tensors.
    expect(dm.dataConfig().outputDims[0]).toBe('line 0'.length + 2);
    expect(r.vocabulary).not.toContain('\uFFFD');
    // Nothing written outside the cache folder.
    expect(readdirSync(root).sort()).toEqual(['lines']);
    await dm.close();
  });

  it('14. a manifest that is not UTF-8 is skipped with its name; other manifests import', async () => {
    const root = tempDir();
    for (let i = 0; i < 4; i++) put(root, `img/l${i}.png`, await lineImage(i));
    put(root, 'train.tsv', 'img/l0.png\tline zero\nimg/l1.png\tline one\nimg/l2.png\tline two\n');
    put(root, 'val.tsv', Buffer.from('img/l3.png\tna\xefve\n', 'latin1'));
    const dm = new FolderLines(FolderLinesConfig.parse({ path: root, processed_dir: tempDir('htr-own-cache-'), test_fraction: 0 }));
    await dm.setup('fit');
    const r = report(dm.reportFile());
    expect(r.sizes.train + r.sizes.val).toBe(3);
    expect(r.skipped).toEqual([expect.objectContaining({ id: 'val.tsv', reason: 'invalid_utf8' })]);
    await dm.close();
  });

  it('6. a PAGE-XML file nested 200,000 deep is skipped as malformed; the other pages import', async () => {
    const root = tempDir();
    const lines: FixtureLine[] = [
      { id: 'l1', text: 'first line', box: [20, 20, 300, 40] },
      { id: 'l2', text: 'second line', box: [20, 80, 280, 40] },
    ];
    for (let p = 0; p < 3; p++) {
      put(root, `scan${p}.png`, await pageImage(400, 300, lines));
      put(root, `scan${p}.xml`, pageXml(`scan${p}.png`, lines));
    }
    const depth = 200_000;
    const deep = pageXml('scan0.png', lines).replace('</TextRegion>', `${'<TextRegion>'.repeat(depth)}${'</TextRegion>'.repeat(depth)}</TextRegion>`);
    put(root, 'deep.xml', deep);
    const dm = new PageXmlLines(PageXmlLinesConfig.parse({ path: root, processed_dir: tempDir('htr-page-cache-'), val_fraction: 0, test_fraction: 0 }));
    await dm.setup('fit');
    const r = report(dm.reportFile());
    expect(r.sizes.train).toBe(6);
    expect(r.skipped).toEqual([expect.objectContaining({ id: 'deep.xml', reason: 'malformed_xml', detail: expect.stringMatching(/nested more than 256 deep/) })]);
    await dm.close();
  });
});
