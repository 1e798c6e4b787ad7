/**
 * IAM processing throughput on generated IAM-format forms (NOT real IAM):
 * forms/s and line crops/s for parsing + decoding + cropping + resizing, at the
 * real IAM page size, for fsdl's half-size JPGs and full-size PNGs; then
 * augmentation images/s inline and on worker threads. Prints JSON.
 *
 *   npx tsx bench/iam_processing.ts [--forms 40] [--workers 0,1,2] [--images 400]
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { cpus, tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { AugmentConfig } from '../model_package/data/augment/config.js';
import { AugmentPool } from '../model_package/data/augment/augment_pool.js';
import { loadIamCorrections } from '../model_package/data/iam/iam_corrections.js';
import { loadIam } from '../model_package/data/iam/iam_folder.js';
import { scaleBox } from '../model_package/data/iam/iam_geometry.js';
import { cropGray, mapForms } from '../model_package/data/iam/iam_source.js';
import type { GrayImage } from '../model_package/core/data_types.js';
import { resizeGray, toFloatCanvas } from '../model_package/preprocess/line_image.js';
import { Rng } from '../model_package/core/rng.js';
import { makeIamFixture } from '../test/fixtures/iam/make_iam_fixture.js';

const { values } = parseArgs({
  options: {
    forms: { type: 'string', default: '40' },
    workers: { type: 'string', default: '0,1,2' },
    images: { type: 'string', default: '400' },
  },
});
const numForms = Number(values.forms);
const dir = await mkdtemp(path.join(tmpdir(), 'htr-bench-iam-'));

async function processing(format: 'jpg' | 'png'): Promise<Record<string, unknown>> {
  // Real IAM scans are 2479 x 3542 (XML pixels); fsdl's JPGs are half that.
  const fx = await makeIamFixture(path.join(dir, format), { format, width: 2479, height: 3542, extraForms: Math.max(0, numForms - 7) });
  const corrections = await loadIamCorrections();
  const t0 = performance.now();
  const iam = await loadIam(fx.root, { linePadding: 16, maxLineHeight: 120, corrections, warn: () => undefined });
  const parseSeconds = (performance.now() - t0) / 1000;
  let crops = 0;
  let forms = 0;
  const t1 = performance.now();
  for (const split of ['train', 'val', 'test'] as const) {
    await mapForms(iam, split, { downsample: 'auto' }, async (form, image, ds) => {
      forms++;
      for (const line of form.lines) {
        await resizeGray(cropGray(image, scaleBox(line.box, ds, image.width, image.height)), 28, 640);
        crops++;
      }
    });
  }
  const seconds = (performance.now() - t1) / 1000 + parseSeconds;
  return {
    format,
    image_size: format === 'jpg' ? '1240x1771' : '2479x3542',
    forms,
    line_crops: crops,
    parse_seconds: Number(parseSeconds.toFixed(3)),
    seconds: Number(seconds.toFixed(2)),
    forms_per_second: Number((forms / seconds).toFixed(1)),
    line_crops_per_second: Number((crops / seconds).toFixed(1)),
  };
}

async function augmentation(numWorkers: number, count: number): Promise<Record<string, unknown>> {
  // A realistic line: a 28 x ~450 px crop on a 28 x 640 canvas.
  const rng = new Rng(1);
  const u8 = new Uint8Array(28 * 450).map(() => (rng.next() < 0.2 ? 30 : 255));
  const image: GrayImage = toFloatCanvas({ data: u8, width: 450, height: 28 }, 640, true);
  const pool = new AugmentPool(AugmentConfig.parse({}), numWorkers);
  await Promise.all(Array.from({ length: 32 }, () => pool.augment(image, rng))); // boot workers, warm the JIT
  const t = performance.now();
  const batch = 32;
  for (let i = 0; i < count; i += batch) await Promise.all(Array.from({ length: Math.min(batch, count - i) }, () => pool.augment(image, rng)));
  const seconds = (performance.now() - t) / 1000;
  await pool.close();
  return { num_workers: numWorkers, images: count, seconds: Number(seconds.toFixed(2)), images_per_second: Number((count / seconds).toFixed(1)) };
}

try {
  const processingResults = [await processing('jpg'), await processing('png')];
  const augmentResults = [];
  for (const w of String(values.workers).split(',').map(Number)) augmentResults.push(await augmentation(w, Number(values.images)));
  console.log(JSON.stringify({
    bench: 'iam_processing',
    note: 'generated IAM-format fixtures at real page size, not real IAM scans',
    date: new Date().toISOString(),
    cpus: cpus().length,
    processing: processingResults,
    augmentation_28x640: augmentResults,
  }, null, 1));
} finally {
  await rm(dir, { recursive: true, force: true });
}
