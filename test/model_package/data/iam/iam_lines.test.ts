import { createHash } from 'node:crypto';
import { mkdir, readFile, readdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import sharp from 'sharp';
import { beforeAll, describe, expect, it } from 'vitest';
import { IAMLines, IAMLinesConfig } from '../../../../model_package/data/iam/iam_lines.js';
import { scaleBox } from '../../../../model_package/data/iam/iam_geometry.js';
import { getDataEntry } from '../../../../model_package/data/registry.js';
import { readCacheManifest } from '../../../../model_package/data/sources/processed_cache.js';
import { Tokenizer } from '../../../../model_package/core/tokenizer.js';
import type { Batch, GrayImage, Sample } from '../../../../model_package/core/data_types.js';
import { preprocessLineImage } from '../../../../model_package/preprocess/line_image.js';
import { makeIamFixture } from '../../../fixtures/iam/make_iam_fixture.js';
import { useIamFixture } from '../../../helpers/iam_suite.js';
import { startFakeDrive, type FakeDrive } from '../../../fixtures/drive/fake_drive_server.js';
import { zipFolder } from '../../../fixtures/zip_writer.js';

const suite = useIamFixture('htr-iamlines-');
let lines: IAMLines;

function make(over: Record<string, unknown> = {}): IAMLines {
  return suite.track(new IAMLines(IAMLinesConfig.parse({ raw_dir: suite.fx.root, processed_dir: path.join(suite.dir, 'processed'), batch_size: 4, ...over })));
}

async function firstBatch(it: AsyncIterable<Batch>): Promise<Batch> {
  for await (const b of it) return b;
  throw new Error('no batch');
}

beforeAll(async () => {
  lines = make();
  await lines.setup('fit');
});

describe('IAMLines on generated IAM-format forms', () => {
  it('yields every kept line of each split, with its text', async () => {
    for (const split of ['train', 'val', 'test'] as const) {
      const want = suite.fx.forms.filter((f) => f.split === split).flatMap((f) => f.lines.filter((l) => l.kept));
      const ds = split === 'train' ? lines.trainDataloader(0) : split === 'val' ? lines.valDataloader() : lines.testDataloader();
      expect(ds.numSamples, split).toBe(want.length);
      const got = lines.crops?.[split].map((c) => [c.id, c.text]);
      expect(got).toEqual(want.map((l) => [l.id, l.text]));
    }
  });

  it('declares dims and mapping; images are 28 px high, padded to max_width', async () => {
    const cfg = lines.dataConfig();
    expect(cfg.inputDims).toEqual([1, 28, 640]);
    expect(cfg.outputDims).toEqual([98]);
    const b = await firstBatch(lines.valDataloader());
    expect([b.height, b.width, b.seqLength]).toEqual([28, 640, 98]);
    expect(b.x.length).toBe(b.batchSize * 28 * 640);
    const tok = new Tokenizer(cfg.mapping);
    expect(tok.decode(b.y.subarray(0, 98))).toBe(b.texts[0]);
    expect(b.y[0]).toBe(1); // <S>
    // aspect ratio kept: ink ends well before the canvas edge, the rest is paper (0)
    const img = (await lines.valDataloader()[Symbol.asyncIterator]().next()).value as Batch;
    const row = img.x.subarray(14 * 640, 15 * 640);
    expect(Math.max(...row.subarray(600))).toBe(0);
    expect(Math.max(...row.subarray(0, 200))).toBeGreaterThan(0.2);
  });

  it('crops exactly what serving would see for the same region (shared preprocessing)', async () => {
    const form = suite.fx.forms.find((f) => f.id === 'b01-010');
    const sample = (await lines.valDataloader()[Symbol.asyncIterator]().next()).value as Batch;
    const id = sample.ids[0] as string;
    expect(id.startsWith('b01-010')).toBe(true);
    // recompute the box through the parser's public pieces and cut it with sharp
    const { loadIam } = await import('../../../../model_package/data/iam/iam_folder.js');
    const { loadIamCorrections } = await import('../../../../model_package/data/iam/iam_corrections.js');
    const iam = await loadIam(suite.fx.root, { linePadding: 16, maxLineHeight: 120, corrections: await loadIamCorrections(), warn: () => undefined });
    const line = iam.forms.get(form?.id ?? '')?.lines.find((l) => l.id === id);
    const meta = await sharp(path.join(suite.fx.root, 'forms', 'b01-010.png')).metadata();
    const b = scaleBox(line!.box, 1, meta.width!, meta.height!);
    const png = await sharp(path.join(suite.fx.root, 'forms', 'b01-010.png')).extract({ left: b.x1, top: b.y1, width: b.x2 - b.x1, height: b.y2 - b.y1 }).png().toBuffer();
    const served: GrayImage = await preprocessLineImage(png, { height: 28, width: 640 });
    // The batch holds the line zero padded on the right to the batch width.
    const rows = Array.from({ length: 28 }, (_, r) => Array.from(sample.x.subarray(r * sample.width, r * sample.width + served.width)));
    expect(Array.from(served.data)).toEqual(rows.flat());
    for (let r = 0; r < 28; r++) expect(sample.x.subarray(r * sample.width + served.width, (r + 1) * sample.width).every((v) => v === 0)).toBe(true);
  });

  it('augments training batches only, deterministically per epoch', async () => {
    const val = lines.crops!.train;
    const ds = (lines as unknown as { splits: { train: { get(i: number): Sample } } }).splits.train;
    const plain = await firstBatch(lines.trainDataloader(0));
    const again = await firstBatch(lines.trainDataloader(0));
    expect(Array.from(again.x)).toEqual(Array.from(plain.x));
    const i = val.findIndex((c) => c.id === plain.ids[0]);
    const raw = (await ds.get(i)).image.data;
    expect(Array.from(plain.x.subarray(0, 28 * 640))).not.toEqual(Array.from(raw));
    const noAug = make({ augment: { enabled: false } });
    await noAug.setup('fit');
    const nb = await firstBatch(noAug.trainDataloader(0));
    const j = val.findIndex((c) => c.id === nb.ids[0]);
    expect(Array.from(nb.x.subarray(0, 28 * 640))).toEqual(Array.from((await ds.get(j)).image.data));
  });

  it('num_workers threads give the same augmented batches as the main thread', async () => {
    const threaded = make({ num_workers: 2 });
    await threaded.setup('fit');
    const a = await firstBatch(threaded.trainDataloader(3));
    const b = await firstBatch(lines.trainDataloader(3));
    expect(a.ids).toEqual(b.ids);
    expect(Array.from(a.x)).toEqual(Array.from(b.x));
  });

  it('reports the malformed form and split facts in properties()', () => {
    const p = lines.properties();
    expect(p.skipped_forms).toEqual(['z99-999.xml']);
    expect(p.forms_per_split).toEqual({ train: 3, val: 2, test: 2 });
    expect(p.split_violations).toEqual([]);
  });

  it('reuses the cache for the same key, builds a new one for a changed parameter, and rebuilds a corrupt one', async () => {
    const dirA = lines.cacheDir as string;
    const created = (await readCacheManifest(dirA)).created;
    const same = make();
    await same.prepareData();
    expect(same.cacheDir).toBe(dirA);
    expect((await readCacheManifest(dirA)).created).toBe(created);
    const taller = make({ height: 32 });
    await taller.setup('fit');
    expect(taller.cacheDir).not.toBe(dirA);
    expect(taller.dataConfig().inputDims).toEqual([1, 32, 640]);
    expect((await readdir(path.join(suite.dir, 'processed', 'iam_lines'))).filter((d) => !d.startsWith('.')).length).toBe(2);
    // corrupt: truncate the train shard
    const bin = path.join(dirA, 'train.bin');
    await writeFile(bin, (await readFile(bin)).subarray(0, 100));
    const again = make();
    await again.setup('fit');
    expect(again.cacheDir).toBe(dirA);
    expect((await readCacheManifest(dirA)).created).not.toBe(created);
    expect(again.crops?.train.length).toBe(lines.crops?.train.length);
  });

  it('is registered as IAMLines with its schema', () => {
    const e = getDataEntry('IAMLines');
    expect(e.schema.parse({}).height).toBe(28);
  });
});

describe('IAMLines from other sources', () => {
  it("reads fsdl's half-size JPG forms (downsample auto) with crops close to the PNG ones", async () => {
    const jpg = await makeIamFixture(path.join(suite.dir, 'IAMjpg'), { format: 'jpg' });
    const m = new IAMLines(IAMLinesConfig.parse({ raw_dir: jpg.root, processed_dir: path.join(suite.dir, 'processed') }));
    suite.track(m);
    await m.setup('fit');
    expect(m.crops?.val.map((c) => c.id)).toEqual(lines.crops?.val.map((c) => c.id));
    // Same region at half resolution: same size within rounding, and each JPG crop is closest to
    // the PNG crop of the same line (a wrong downsample factor would crop other parts of the page).
    const dist = (a: { data: Uint8Array; width: number }, b: { data: Uint8Array; width: number }): number => {
      let d = 0;
      const w = Math.min(a.width, b.width);
      for (let y = 0; y < 28; y++) for (let x = 0; x < w; x++) d += Math.abs((a.data[y * a.width + x] as number) - (b.data[y * b.width + x] as number));
      return d / (28 * w * 255);
    };
    const jpgCrops = [...m.crops!.train, ...m.crops!.val, ...m.crops!.test];
    const pngCrops = [...lines.crops!.train, ...lines.crops!.val, ...lines.crops!.test];
    jpgCrops.forEach((a, k) => {
      const b = pngCrops[k]!;
      expect(Math.abs(a.image.width - b.image.width)).toBeLessThanOrEqual(Math.ceil(b.image.width * 0.03));
      const own = dist(a.image, b.image);
      const nearestOther = Math.min(...pngCrops.filter((_, j) => j !== k).map((o) => dist(a.image, o.image)));
      expect(own, a.id).toBeLessThan(nearestOther);
    });
    expect(m.properties().forms_per_split).toEqual({ train: 3, val: 2, test: 2 });
  });

  it('a form image that does not decode is reported and skipped; the rest is built', async () => {
    const bad = await makeIamFixture(path.join(suite.dir, 'IAMbad'));
    await writeFile(path.join(bad.root, 'forms', 'a01-000u.png'), Buffer.from('not a png at all'));
    const m = new IAMLines(IAMLinesConfig.parse({ raw_dir: bad.root, processed_dir: path.join(suite.dir, 'processed'), augment: { enabled: false } }));
    suite.track(m);
    await m.setup('fit');
    expect(m.properties().skipped_forms).toEqual(['z99-999.xml', 'a01-000u.png']);
    expect(m.crops?.train.some((c) => c.id.startsWith('a01-000u'))).toBe(false);
    expect(m.crops?.train.some((c) => c.id.startsWith('a01-003u'))).toBe(true);
  });

  it('downloads the zip from (fake) Google Drive, verifies and extracts it, then builds', async () => {
    const zip = path.join(suite.dir, 'iamdb.zip');
    await zipFolder(suite.fx.root, zip, 'iamdb');
    const bytes = await readFile(zip);
    const sha = createHash('sha256').update(bytes).digest('hex');
    const meta = path.join(suite.dir, 'meta');
    await mkdir(path.join(meta, 'iam'), { recursive: true });
    await writeFile(path.join(meta, 'iam', 'metadata.yaml'), `files:\n  - name: iamdb.zip\n    drive_id: IAMZIP\n    sha256: ${sha}\n`);
    const drive: FakeDrive = await startFakeDrive({ IAMZIP: { content: bytes } });
    try {
      const m = new IAMLines(IAMLinesConfig.parse({
        metadata_dir: meta, download_dir: path.join(suite.dir, 'dl'), processed_dir: path.join(suite.dir, 'processed2'),
        drive_root_url: drive.rootUrl, drive_api_key: 'k', augment: { enabled: false },
      }));
      suite.track(m);
      await m.setup('fit');
      expect(m.crops?.test.map((c) => c.text)).toEqual(lines.crops?.test.map((c) => c.text));
      expect(drive.requests.filter((r) => r.query.get('alt') === 'media')).toHaveLength(1);
      // the key of a zip source is the zip's sha256 (+ params): a second instance neither downloads nor rebuilds
      const m2 = new IAMLines(IAMLinesConfig.parse({
        metadata_dir: meta, download_dir: path.join(suite.dir, 'dl'), processed_dir: path.join(suite.dir, 'processed2'), drive_root_url: drive.rootUrl, drive_api_key: 'k',
      }));
      suite.track(m2);
      await m2.prepareData();
      expect(m2.cacheDir).toBe(m.cacheDir);
      expect(drive.requests.filter((r) => r.query.get('alt') === 'media')).toHaveLength(1);
    } finally {
      await drive.close();
    }
  });
});
