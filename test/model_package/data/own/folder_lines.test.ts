import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FolderLines, FolderLinesConfig } from '../../../../model_package/data/own/folder_lines.js';
import { buildMapping, DEFAULT_CHARACTERS, Tokenizer } from '../../../../model_package/core/tokenizer.js';
import type { Sample } from '../../../../model_package/core/data_types.js';
import { isHtrError } from '../../../../model_package/errors.js';
import { preprocessLineImage } from '../../../../model_package/preprocess/line_image.js';
import { lineImage, put, tempDir, writeZip } from './own_fixtures.js';

const config = (path: string, extra: Partial<FolderLinesConfig> = {}) => FolderLinesConfig.parse({ path, processed_dir: tempDir('htr-own-cache-'), ...extra });

async function samples(dm: FolderLines, split: 'train' | 'val' | 'test'): Promise<Sample[]> {
  const ds = dm['requireSplits']()[split];
  return Promise.all(Array.from({ length: ds.length }, (_, i) => ds.get(i)));
}

async function errorOf(p: Promise<unknown> | (() => unknown)): Promise<unknown> {
  try {
    await (typeof p === 'function' ? p() : p);
  } catch (err) {
    return err;
  }
  return undefined;
}

/** 10 good sidecar lines in png/jpg/tif, plus one of each kind of bad sample. */
async function sidecarFolder(): Promise<string> {
  const root = tempDir();
  const formats = ['png', 'jpg', 'tif'] as const;
  for (let i = 0; i < 10; i++) {
    const fmt = formats[i % 3] as 'png' | 'jpg' | 'tif';
    put(root, `pages/p${i % 2}/line${i}.${fmt}`, await lineImage(i, fmt));
    put(root, `pages/p${i % 2}/line${i}.gt.txt`, `line number ${i}\r\n`);
  }
  put(root, 'pages/orphan.png', await lineImage(50));
  put(root, 'pages/lonely.gt.txt', 'no image for me');
  put(root, 'pages/empty.png', await lineImage(51));
  put(root, 'pages/empty.gt.txt', '  \n');
  put(root, 'pages/broken.png', 'this is not a png');
  put(root, 'pages/broken.gt.txt', 'broken image');
  return root;
}

describe('FolderLines (sidecars)', () => {
  it('loads png/jpg/tif lines, skips and reports every bad sample', async () => {
    const root = await sidecarFolder();
    const dm = new FolderLines(config(root));
    await dm.setup('fit');
    const p = dm.properties();
    expect((p.train_size as number) + (p.val_size as number) + (p.test_size as number)).toBe(10);
    expect(p.skipped_total).toBe(4);
    expect(p.skipped_by_reason).toEqual({ missing_transcription: 1, missing_image: 1, empty_transcription: 1, unreadable_image: 1 });
    const report = readFileSync(p.report_file as string, 'utf8');
    for (const name of ['pages/orphan.png', 'pages/lonely.gt.txt', 'pages/empty.png', 'pages/broken.png']) expect(report).toContain(name);
    const json = JSON.parse(readFileSync(join(String(p.report_file).replace(/report\.txt$/, ''), 'report.json'), 'utf8')) as { skipped: unknown[] };
    expect(json.skipped).toHaveLength(4);
    const all = [...(await samples(dm, 'train')), ...(await samples(dm, 'val')), ...(await samples(dm, 'test'))];
    expect(all.map((s) => s.text).sort()).toEqual(Array.from({ length: 10 }, (_, i) => `line number ${i}`).sort());
    expect(dm.dataConfig().inputDims).toEqual([1, 28, 1024]);
    expect(dm.dataConfig().outputDims).toEqual(['line number 0'.length + 2]);
  });

  it('gives the same tensor as the serving preprocessing of the file', async () => {
    const root = await sidecarFolder();
    const dm = new FolderLines(config(root, { val_fraction: 0, test_fraction: 0 }));
    await dm.setup('fit');
    for (const s of await samples(dm, 'train')) {
      const served = await preprocessLineImage(join(root, s.id), { height: 28, width: 512 });
      expect(Array.from(s.image.data)).toEqual(Array.from(served.data));
    }
  });

  it('builds the vocabulary from training text and reports unseen characters with counts', async () => {
    const root = tempDir();
    for (let i = 0; i < 6; i++) {
      put(root, `train/a${i}.png`, await lineImage(i));
      put(root, `train/a${i}.gt.txt`, 'abc abc');
    }
    put(root, 'val/v.png', await lineImage(7));
    put(root, 'val/v.gt.txt', 'abz ÿÿ');
    put(root, 'test/t.png', await lineImage(8));
    put(root, 'test/t.gt.txt', 'cab');
    const dm = new FolderLines(config(root));
    await dm.setup('fit');
    const p = dm.properties();
    expect(p.split_mode).toBe('explicit');
    expect([p.train_size, p.val_size, p.test_size]).toEqual([6, 1, 1]);
    expect(dm.dataConfig().mapping).toEqual(buildMapping([' ', 'a', 'b', 'c']));
    expect(p.missing_characters).toEqual({ train: {}, val: { z: 1, ÿ: 2 }, test: {} });
    // Unseen characters never crash: they are dropped from the label.
    const batches = [];
    for await (const b of dm.valDataloader()) batches.push(b);
    expect(new Tokenizer(dm.dataConfig().mapping).decode(batches[0]!.y.subarray(1))).toBe('ab ');
  });

  it('can use the built-in vocabulary for fine-tuning', async () => {
    const root = await sidecarFolder();
    const dm = new FolderLines(config(root, { vocabulary: 'default' }));
    await dm.setup('fit');
    expect(dm.dataConfig().mapping).toEqual(buildMapping(DEFAULT_CHARACTERS));
  });

  it('keeps regex groups (writer prefix of the file name) inside one split', async () => {
    const root = tempDir();
    for (let w = 0; w < 8; w++) {
      for (let k = 0; k < 3; k++) {
        put(root, `w${w}-line${k}.png`, await lineImage(w * 3 + k));
        put(root, `w${w}-line${k}.gt.txt`, `writer ${w} line ${k}`);
      }
    }
    const dm = new FolderLines(config(root, { group_by: 'regex', group_pattern: '^(w\\d+)-', val_fraction: 0.2, test_fraction: 0.2 }));
    await dm.setup('fit');
    const writerSplit = new Map<string, string>();
    for (const split of ['train', 'val', 'test'] as const) {
      const got = await samples(dm, split);
      expect(got.length).toBeGreaterThan(0);
      for (const s of got) {
        const w = s.id.split('-')[0] as string;
        expect(writerSplit.get(w) ?? split).toBe(split);
        writerSplit.set(w, split);
      }
    }
    expect(dm.properties().groups).toMatchObject({ train: expect.any(Number), val: expect.any(Number), test: expect.any(Number) });
  });

  it('fails clearly without a path, with a missing path, and with no usable lines', async () => {
    expect(isHtrError(await errorOf(() => new FolderLines(FolderLinesConfig.parse({}))), 'HTR_ERR_CONFIG_INVALID')).toBe(true);
    expect(isHtrError(await errorOf(new FolderLines(config('/nonexistent/htr-data')).prepareData()), 'HTR_ERR_MISSING_FILE')).toBe(true);
    const root = tempDir();
    put(root, 'a.png', 'garbage');
    put(root, 'a.gt.txt', 'text');
    const err = await errorOf(new FolderLines(config(root)).prepareData());
    expect(isHtrError(err, 'HTR_ERR_BAD_DATA_FILE')).toBe(true);
    expect(String(err)).toMatch(/no usable training lines.*unreadable_image a\.png/);
  });
});

describe('FolderLines (TSV manifest)', () => {
  it('reads path<TAB>text<TAB>split<TAB>writer rows and skips malformed ones', async () => {
    const root = tempDir();
    const rows = ['path\ttext\tsplit\twriter', '# a comment'];
    for (let i = 0; i < 9; i++) {
      put(root, `img/l${i}.png`, await lineImage(i));
      rows.push(`img/l${i}.png\tmanifest line ${i}\t${['train', 'train', 'train', 'val', 'test', 'training', 'validation', 'train', 'train'][i]}\tw${i % 3}`);
    }
    rows.push('img/missing.png\tno such image\ttrain\tw1');
    rows.push('img/l0.png');
    rows.push('img/l1.png\t\ttrain\tw1');
    rows.push('img/l2.png\ttext\tholdout\tw1');
    rows.push('../outside.png\tescape\ttrain\tw1');
    put(root, 'lines.tsv', `${rows.join('\r\n')}\r\n`);
    const dm = new FolderLines(config(root));
    await dm.setup('fit');
    const p = dm.properties();
    expect([p.train_size, p.val_size, p.test_size]).toEqual([6, 2, 1]);
    expect(p.skipped_by_reason).toEqual({ missing_image: 1, malformed_row: 2, empty_transcription: 1, unsafe_path: 1 });
    const report = readFileSync(p.report_file as string, 'utf8');
    expect(report).toContain('lines.tsv:');
    expect(report).toContain('unknown split "holdout"');
  });

  it('takes splits from manifest names and groups by the writer column', async () => {
    const root = tempDir();
    const all: string[] = [];
    for (let i = 0; i < 12; i++) {
      put(root, `img/l${i}.png`, await lineImage(i));
      all.push(`img/l${i}.png\tline ${i}\t\tw${i % 4}`);
    }
    put(root, 'train.tsv', all.slice(0, 10).join('\n'));
    put(root, 'test.tsv', all.slice(10).join('\n'));
    const dm = new FolderLines(config(root, { val_fraction: 0.3 }));
    await dm.setup('fit');
    const p = dm.properties();
    expect(p.split_mode).toBe('explicit');
    expect(p.test_size).toBe(2);
    expect((p.val_size as number) > 0).toBe(true);
    // val was carved from train by writer: no writer in both.
    const writers = (ss: Sample[]) => new Set(ss.map((s) => Number(/l(\d+)/.exec(s.id)![1]) % 4));
    const trainW = writers(await samples(dm, 'train'));
    for (const w of writers(await samples(dm, 'val'))) expect(trainW.has(w)).toBe(false);
  });
});

describe('FolderLines (.zip)', () => {
  it('reads sidecars and manifests inside a zip without extracting, rejecting zip-slip entries', async () => {
    const entries: { name: string; data: Buffer | string; symlink?: boolean }[] = [];
    for (let i = 0; i < 6; i++) {
      entries.push({ name: `set/l${i}.png`, data: await lineImage(i) });
      entries.push({ name: `set/l${i}.gt.txt`, data: `zipped ${i}` });
    }
    entries.push({ name: '../evil.png', data: await lineImage(9) });
    entries.push({ name: '../evil.gt.txt', data: 'evil' });
    entries.push({ name: '/etc/abs.gt.txt', data: 'abs' });
    entries.push({ name: 'set/link.png', data: '/etc/passwd', symlink: true });
    entries.push({ name: '__MACOSX/set/._l0.png', data: 'resource fork' });
    const zip = join(tempDir(), 'data.zip');
    writeZip(zip, entries);
    const dm = new FolderLines(config(zip, { val_fraction: 0, test_fraction: 0 }));
    await dm.setup('fit');
    const p = dm.properties();
    expect(p.train_size).toBe(6);
    expect(p.skipped_by_reason).toEqual({ unsafe_path: 4 });
    const report = readFileSync(p.report_file as string, 'utf8');
    expect(report).toContain('../evil.png');
    expect(report).toContain('symbolic link');
    const texts = (await samples(dm, 'train')).map((s) => s.text).sort();
    expect(texts).toEqual(Array.from({ length: 6 }, (_, i) => `zipped ${i}`));

    // Same pixels as the unzipped folder.
    const dir = tempDir();
    for (const e of entries.slice(0, 12)) put(dir, e.name, e.data);
    const plain = new FolderLines(config(dir, { val_fraction: 0, test_fraction: 0 }));
    await plain.setup('fit');
    const a = await samples(dm, 'train');
    const b = await samples(plain, 'train');
    expect(a.map((s) => s.id)).toEqual(b.map((s) => s.id));
    a.forEach((s, i) => expect(Array.from(s.image.data)).toEqual(Array.from(b[i]!.image.data)));
  });

  it('reports a corrupt archive with a named error', async () => {
    const zip = join(tempDir(), 'bad.zip');
    put(tempDir(), 'x', 'x');
    writeZipGarbage(zip);
    const err = await errorOf(new FolderLines(config(zip)).prepareData());
    expect(isHtrError(err, 'HTR_ERR_BAD_DATA_FILE')).toBe(true);
    expect(String(err)).toContain('bad.zip');
  });
});

function writeZipGarbage(file: string): void {
  put('/', file.slice(1), 'PK\u0003\u0004 definitely not a complete archive');
}
