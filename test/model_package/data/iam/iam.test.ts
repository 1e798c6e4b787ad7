import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadIamCorrections } from '../../../../model_package/data/iam/iam_corrections.js';
import { findIamRoot, loadIam, type IamDataset, type LoadIamOptions } from '../../../../model_package/data/iam/iam_folder.js';
import { decodeIamText, parseIamForm } from '../../../../model_package/data/iam/iam_form.js';
import { padLineBoxes } from '../../../../model_package/data/iam/iam_geometry.js';
import { isHtrError } from '../../../../model_package/errors.js';
import { makeIamFixture, type IamFixture } from '../../../fixtures/iam/make_iam_fixture.js';

let fx: IamFixture;
let iam: IamDataset;
const warnings: string[] = [];
let opts: LoadIamOptions;

beforeAll(async () => {
  const dir = await mkdtemp(path.join(tmpdir(), 'htr-iam-'));
  fx = await makeIamFixture(path.join(dir, 'iamdb'), { splitDir: 'task' });
  opts = { linePadding: 16, maxLineHeight: 120, corrections: await loadIamCorrections(), warn: (m) => warnings.push(m) };
  iam = await loadIam(fx.root, opts);
});

describe('IAM parser on generated IAM-format forms', () => {
  it('keeps exactly the handwritten lines between the first and last machine-text match', () => {
    for (const form of fx.forms) {
      const got = iam.forms.get(form.id);
      expect(got, form.id).toBeDefined();
      expect(got?.lines.map((l) => l.text)).toEqual(form.lines.filter((l) => l.kept).map((l) => l.text));
    }
  });

  it('drops the scribbled "Sentence Database" header and a trailing signature', () => {
    expect(iam.forms.get('a01-003u')?.lines[0]?.text).not.toMatch(/Sentence Database/);
    expect(iam.forms.get('e01-030')?.lines.at(-1)?.text).not.toMatch(/signed/);
    // ...but keeps the mistranscribed line in the middle.
    expect(iam.forms.get('e01-030')?.lines.some((l) => l.text.includes('teh'))).toBe(true);
  });

  it('matches the all-caps form in upper case (and loses it without the rule)', async () => {
    expect(iam.forms.get('g07-000a')?.lines.length).toBeGreaterThan(0);
    const plain = await loadIam(fx.root, { ...opts, corrections: { uppercase_match_forms: [], line_text: {}, drop_lines: [] } });
    expect(plain.forms.has('g07-000a')).toBe(false);
    expect(plain.skipped.map((s) => s.file).join()).toContain('g07-000a.xml');
  });

  it('decodes IAM\'s double-escaped quotes', () => {
    const a = iam.forms.get('c02-020')?.lines.map((l) => l.text).join(' ');
    expect(iam.forms.get('a01-000u')).toBeDefined();
    expect(decodeIamText('&quot;Foot-Griffiths&quot; &amp; &#39;x&#x27;')).toBe('"Foot-Griffiths" & \'x\'');
    expect(a).toContain('(at least not yet).');
    const q = [...iam.forms.values()].flatMap((f) => f.lines).find((l) => l.text.includes('"Foot-Griffiths"'));
    expect(q?.id).toMatch(/^a01-003u-/);
  });

  it('reports the malformed XML file by name and skips it without dying', () => {
    expect(iam.forms.has('z99-999')).toBe(false);
    const s = iam.skipped.find((x) => x.file.endsWith('z99-999.xml'));
    expect(s?.reason).toMatch(/HTR_ERR_MALFORMED_XML/);
    expect(warnings.some((w) => w.includes('z99-999.xml'))).toBe(true);
  });

  it('splits: test = testset, val = validationset1 + validationset2, train = the rest', () => {
    expect([...iam.splits.test].sort()).toEqual(['d04-050', 'g07-000a']);
    expect([...iam.splits.val].sort()).toEqual(['b01-010', 'c02-020']); // c02-020 is only in validationset2
    expect([...iam.splits.train].sort()).toEqual(['a01-000u', 'a01-003u', 'e01-030']);
    expect(iam.splitViolations).toEqual([]);
  });

  it('line boxes: cmp min/max, padding limited by half the gap, bottom clamped to top + max_line_height', () => {
    const fxForm = fx.forms.find((f) => f.id === 'a01-000u');
    const line = iam.forms.get('a01-000u')?.lines[1];
    const raw = fxForm?.lines[1]?.box;
    expect(line && raw).toBeTruthy();
    expect(line?.box.x1).toBe((raw?.x1 ?? 0) - 16);
    expect(line?.box.x2).toBe((raw?.x2 ?? 0) + 16);
    // d04-050: line 0 has a 260 px descender; its box stops at top + 120 (+ padding).
    const d = iam.forms.get('d04-050')?.lines;
    const d0raw = fx.forms.find((f) => f.id === 'd04-050')?.lines[0]?.box;
    expect(d0raw && d0raw.y2 - d0raw.y1).toBeGreaterThan(200);
    expect((d?.[0]?.box.y2 ?? 0) - (d0raw?.y1 ?? 0)).toBeLessThanOrEqual(120 + 16);
    // lines 1 and 2 overlap vertically: no padding on the shared side.
    const d1 = fx.forms.find((f) => f.id === 'd04-050')?.lines[1]?.box;
    const d2 = fx.forms.find((f) => f.id === 'd04-050')?.lines[2]?.box;
    expect((d1?.y2 ?? 0) > (d2?.y1 ?? 0)).toBe(true);
    expect(d?.[1]?.box.y2).toBe(Math.min(d1?.y2 ?? 0, (d1?.y1 ?? 0) + 120));
    expect(d?.[2]?.box.y1).toBe(d2?.y1);
  });

  it('padLineBoxes: gap halves and edge padding', () => {
    const boxes = padLineBoxes([{ x1: 10, y1: 100, x2: 50, y2: 150 }, { x1: 10, y1: 160, x2: 50, y2: 400 }], { linePadding: 8, maxLineHeight: 60 });
    expect(boxes).toEqual([{ x1: 2, x2: 58, y1: 92, y2: 155 }, { x1: 2, x2: 58, y1: 155, y2: 228 }]);
  });

  it('reports a writer found in two splits, and can drop the leaking train form', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'htr-iam-leak-'));
    const leak = await makeIamFixture(dir, { writerLeak: true, splitDir: 'task/LWITLRT' });
    const got = await loadIam(leak.root, { ...opts, warn: () => undefined });
    expect(got.splitViolations.join('\n')).toMatch(/writer 004 appears in 2 splits \(.*a01-011.*d04-050/);
    expect(got.splits.train).toContain('a01-011');
    const dropped = await loadIam(leak.root, { ...opts, warn: () => undefined, dropLeakingTrainForms: true });
    expect(dropped.splits.train).not.toContain('a01-011');
  });

  it('finds the IAM folder one level down (as in a zip with a top folder)', async () => {
    expect(await findIamRoot(path.dirname(fx.root))).toBe(fx.root);
  });

  it('does not expand DTD entities', () => {
    const xml = '<?xml version="1.0"?><!DOCTYPE form [<!ENTITY x "EXPANDED">]><form id="q" width="10" height="10"><handwritten-part><line id="q-00" text="&x;"/></handwritten-part></form>';
    const err = (() => { try { parseIamForm(xml, 'q.xml', opts); return undefined; } catch (e) { return e; } })();
    expect(isHtrError(err, 'HTR_ERR_MALFORMED_XML')).toBe(true);
    expect((err as Error).message).toContain('q.xml');
  });

  it('a missing split file is named', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'htr-iam-nosplit-'));
    const f = await makeIamFixture(dir, { splitDir: 'elsewhere' });
    const err = await loadIam(f.root, { ...opts, warn: () => undefined }).catch((e: unknown) => e);
    expect(isHtrError(err, 'HTR_ERR_MISSING_FILE')).toBe(true);
    expect((err as Error).message).toContain('testset.txt');
  });
});
