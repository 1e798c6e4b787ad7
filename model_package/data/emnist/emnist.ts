/**
 * EMNIST byclass (62 classes: 0-9, A-Z, a-z) from NIST's IDX files. Labels are
 * shifted past the special tokens (class k -> token k + 4, the order of
 * DEFAULT_CHARACTERS), images are turned upright (NIST stores them transposed),
 * classes can be balanced by seeded resampling, and NIST's training set is
 * split 80/20 into train/val at random (seeded). Test is NIST's test set.
 * Processed arrays are cached in data/processed/emnist/<key>/.
 */
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { htrError } from '../../errors.js';
import { Rng } from '../../core/rng.js';
import { BaseDataConfig, BaseDataModule } from '../base_data_module.js';
import { EMNIST_GZIP_MD5, locateEmnist, readEmnistParts } from './emnist_raw.js';
import { parseIdx } from './idx.js';
import { cacheKey, withProcessedCache } from '../sources/processed_cache.js';
import { buildMapping, DEFAULT_CHARACTERS } from '../../core/tokenizer.js';
import type { DataConfig, Dataset, Stage } from '../../core/data_types.js';
import { DriveConfigShape, driveOptionsFromConfig } from '../sources/drive_config.js';

/** Bump when processing changes in a way the cache key cannot see. */
const EMNIST_VERSION = 1;
export const EMNIST_SIZE = 28;
/** byclass class k is this character. */
export const EMNIST_CLASSES: readonly string[] = [...'0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz'];

export type EmnistSplit = 'train' | 'val' | 'test';
const SPLITS: readonly EmnistSplit[] = ['train', 'val', 'test'];

export const EmnistSourceShape = {
  raw_dir: z.string().optional().describe("folder with NIST's gzip.zip (md5-checked) or the four emnist-byclass-*-ubyte[.gz] files; skips Google Drive"),
  download_dir: z.string().default('data/downloaded/emnist').describe('where the Google Drive download goes'),
  metadata_dir: z.string().default('data/raw').describe('folder holding emnist/metadata.yaml (Drive id, sha256)'),
  processed_dir: z.string().default('data/processed').describe('root of the processed-data cache'),
  gzip_md5: z.string().default(EMNIST_GZIP_MD5).describe("expected md5 of gzip.zip (NIST's published value)"),
  balance: z.boolean().default(false).describe('resample every class to the mean class count (seeded)'),
  seed: z.number().int().default(0).describe('seed of balancing and of the 80/20 train/val split'),
  val_fraction: z.number().min(0).max(0.9).default(0.2).describe("share of NIST's training set used for validation"),
  ...DriveConfigShape,
};

export const EMNISTConfig = BaseDataConfig.extend(EmnistSourceShape);
export type EMNISTConfig = z.infer<typeof EMNISTConfig>;
type EmnistSourceConfig = z.infer<z.ZodObject<typeof EmnistSourceShape>>;

/** Upright 28x28 character images (ink high, 0-255) and their class ids. */
export interface CharSet {
  readonly images: Uint8Array;
  readonly labels: Uint8Array;
  readonly count: number;
}

/**
 * Loads (building on first use) the processed EMNIST splits. Shared by EMNIST
 * and the EMNISTLines family.
 */
export async function loadEmnistSplits(c: EmnistSourceConfig): Promise<{ splits: Record<EmnistSplit, CharSet>; cacheDir: string }> {
  const loc = await locateEmnist({
    ...(c.raw_dir !== undefined ? { rawDir: c.raw_dir } : {}),
    downloadDir: c.download_dir,
    metadataDir: c.metadata_dir,
    md5: c.gzip_md5,
    drive: driveOptionsFromConfig(c),
  });
  const key = cacheKey({ v: EMNIST_VERSION, raw: loc.fingerprint, balance: c.balance, seed: c.seed, val: c.val_fraction, md5: c.gzip_md5 });
  const cacheDir = await withProcessedCache('emnist', key, async (tmp) => {
    const parts = await readEmnistParts(loc, c.gzip_md5);
    const train = toCharSet(parts.trainImages, parts.trainLabels);
    const test = toCharSet(parts.testImages, parts.testLabels);
    const rng = new Rng(c.seed);
    const trainAll = c.balance ? balance(train, rng) : train;
    const testSet = c.balance ? balance(test, rng) : test;
    const order = rng.shuffle(Array.from({ length: trainAll.count }, (_, i) => i));
    const nVal = Math.round(trainAll.count * c.val_fraction);
    const sets: Record<EmnistSplit, CharSet> = { train: take(trainAll, order.slice(nVal)), val: take(trainAll, order.slice(0, nVal)), test: testSet };
    for (const s of SPLITS) {
      await writeFile(path.join(tmp, `${s}_images.bin`), sets[s].images);
      await writeFile(path.join(tmp, `${s}_labels.bin`), sets[s].labels);
    }
  }, { root: c.processed_dir, verify: 'size' });
  const splits = {} as Record<EmnistSplit, CharSet>;
  for (const s of SPLITS) {
    const images = new Uint8Array(await readFile(path.join(cacheDir, `${s}_images.bin`)));
    const labels = new Uint8Array(await readFile(path.join(cacheDir, `${s}_labels.bin`)));
    splits[s] = { images, labels, count: labels.length };
  }
  return { splits, cacheDir };
}

/** Validates an images/labels IDX pair and turns the images upright. */
function toCharSet(images: { data: Buffer; label: string }, labels: { data: Buffer; label: string }): CharSet {
  const img = parseIdx(images.data, images.label);
  const lab = parseIdx(labels.data, labels.label);
  if (img.type !== 'uint8' || img.shape.length !== 3 || img.shape[1] !== EMNIST_SIZE || img.shape[2] !== EMNIST_SIZE) {
    throw htrError('HTR_ERR_BAD_DATA_FILE', { file: images.label, reason: `expected uint8 [N, 28, 28] images, got ${img.type} [${img.shape.join(', ')}]` });
  }
  if (lab.type !== 'uint8' || lab.shape.length !== 1 || lab.shape[0] !== img.shape[0]) {
    throw htrError('HTR_ERR_BAD_DATA_FILE', { file: labels.label, reason: `expected uint8 [${img.shape[0]}] labels, got ${lab.type} [${lab.shape.join(', ')}]` });
  }
  const count = img.shape[0] as number;
  const labelData = new Uint8Array(lab.data as Uint8Array);
  const bad = labelData.findIndex((l) => l >= EMNIST_CLASSES.length);
  if (bad >= 0) throw htrError('HTR_ERR_BAD_DATA_FILE', { file: labels.label, reason: `label ${labelData[bad]} at ${bad} is not a byclass class (0-61)` });
  const src = img.data as Uint8Array;
  const upright = new Uint8Array(src.length);
  const n = EMNIST_SIZE;
  for (let k = 0; k < count; k++) {
    const o = k * n * n;
    for (let r = 0; r < n; r++) for (let col = 0; col < n; col++) upright[o + r * n + col] = src[o + col * n + r] as number;
  }
  return { images: upright, labels: labelData, count };
}

/** Every class resampled (with replacement, seeded) to the mean class count, as fsdl does. */
export function balance(set: CharSet, rng: Rng): CharSet {
  const byClass = new Map<number, number[]>();
  set.labels.forEach((l, i) => {
    const members = byClass.get(l);
    if (members) members.push(i);
    else byClass.set(l, [i]);
  });
  const perClass = Math.round(set.count / byClass.size);
  const picks: number[] = [];
  for (const cls of [...byClass.keys()].sort((a, b) => a - b)) {
    const members = byClass.get(cls) as number[];
    for (let i = 0; i < perClass; i++) picks.push(rng.pick(members));
  }
  return take(set, picks);
}

function take(set: CharSet, indices: readonly number[]): CharSet {
  const size = EMNIST_SIZE * EMNIST_SIZE;
  const images = new Uint8Array(indices.length * size);
  const labels = new Uint8Array(indices.length);
  indices.forEach((src, i) => {
    images.set(set.images.subarray(src * size, (src + 1) * size), i * size);
    labels[i] = set.labels[src] as number;
  });
  return { images, labels, count: indices.length };
}

/** One character as a float image (ink high, as EMNIST stores it). */
export function charImage(set: CharSet, index: number): Float32Array {
  const size = EMNIST_SIZE * EMNIST_SIZE;
  const out = new Float32Array(size);
  for (let i = 0; i < size; i++) out[i] = (set.images[index * size + i] as number) / 255;
  return out;
}

export class EMNIST extends BaseDataModule {
  private readonly config: EMNISTConfig;
  private sets: Record<EmnistSplit, CharSet> | undefined;
  private cacheDir: string | undefined;

  constructor(config: EMNISTConfig) {
    super(config);
    this.config = config;
  }

  async prepareData(): Promise<void> {
    if (this.sets) return;
    const { splits, cacheDir } = await loadEmnistSplits(this.config);
    this.sets = splits;
    this.cacheDir = cacheDir;
  }

  async setup(_stage: Stage): Promise<void> {
    if (this.splits) return;
    await this.prepareData();
    const sets = this.sets as Record<EmnistSplit, CharSet>;
    this.splits = { train: this.dataset('train', sets.train), val: this.dataset('val', sets.val), test: this.dataset('test', sets.test) };
  }

  dataConfig(): DataConfig {
    return { inputDims: [1, EMNIST_SIZE, EMNIST_SIZE], outputDims: [3], mapping: buildMapping(DEFAULT_CHARACTERS) };
  }

  override properties(): Record<string, unknown> {
    return { ...super.properties(), balanced: this.config.balance, ...(this.cacheDir ? { cache_dir: this.cacheDir } : {}) };
  }

  private dataset(split: EmnistSplit, set: CharSet): Dataset {
    return {
      length: set.count,
      get: (i) => ({ image: { data: charImage(set, i), width: EMNIST_SIZE, height: EMNIST_SIZE }, text: EMNIST_CLASSES[set.labels[i] as number] as string, id: `emnist-${split}-${i}` }),
    };
  }
}
