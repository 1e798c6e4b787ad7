/**
 * The processed crop cache of the IAM modules. Packed crops: `<split>.bin` holds
 * every 8-bit gray crop back to back, `<split>.json` the id, text and size of
 * each; one read per split at setup, crops are views into that buffer. The build
 * (decode each form once, crop it, write every split and info.json) is shared:
 * a module supplies only its crop function and its cache-key parts.
 */
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { htrError } from '../../errors.js';
import type { IamSplit } from './iam_folder.js';
import type { IamForm } from './iam_form.js';
import { readSplitStore } from '../sources/split_store.js';
import { loadIamFromConfig, mapForms, parseParams, resolveIamRoot, type IamSourceConfig } from './iam_source.js';
import { cacheKey, withProcessedCache } from '../sources/processed_cache.js';
import type { Tokenizer } from '../../core/tokenizer.js';
import type { Gray8 } from '../../core/data_types.js';

export const SPLITS: readonly IamSplit[] = ['train', 'val', 'test'];

/** info.json of a crop cache. */
export interface IamBuildInfo {
  forms: Record<IamSplit, number>;
  crops: Record<IamSplit, number>;
  skipped_forms: { file: string; reason: string }[];
  split_violations: string[];
  build_seconds: number;
}

export interface StoredCrop {
  readonly id: string;
  readonly text: string;
  /** 8-bit gray, paper high (as decoded); see toFloatCanvas for model input. */
  readonly image: Gray8;
}

interface StoreIndex {
  readonly version: 1;
  readonly crops: readonly { id: string; text: string; width: number; height: number }[];
}

export async function writeCropStore(dir: string, split: string, crops: readonly StoredCrop[]): Promise<void> {
  const bin = new Uint8Array(crops.reduce((n, c) => n + c.image.width * c.image.height, 0));
  let offset = 0;
  for (const c of crops) {
    bin.set(c.image.data.subarray(0, c.image.width * c.image.height), offset);
    offset += c.image.width * c.image.height;
  }
  const index: StoreIndex = { version: 1, crops: crops.map((c) => ({ id: c.id, text: c.text, width: c.image.width, height: c.image.height })) };
  await writeFile(path.join(dir, `${split}.bin`), bin);
  await writeFile(path.join(dir, `${split}.json`), JSON.stringify(index));
}

export async function readCropStore(dir: string, split: string): Promise<StoredCrop[]> {
  const { index, bytes, binFile } = await readSplitStore<StoreIndex>(dir, split);
  const out: StoredCrop[] = [];
  let offset = 0;
  for (const c of index.crops) {
    const size = c.width * c.height;
    if (offset + size > bytes.length) throw htrError('HTR_ERR_BAD_DATA_FILE', { file: binFile, reason: 'shorter than its index says' });
    out.push({ id: c.id, text: c.text, image: { data: bytes.subarray(offset, offset + size), width: c.width, height: c.height } });
    offset += size;
  }
  if (offset !== bytes.length) throw htrError('HTR_ERR_BAD_DATA_FILE', { file: binFile, reason: 'longer than its index says' });
  return out;
}

/** The crops one decoded form yields, in order (`downsample`: scan scale vs XML coordinates). */
export type CropForm = (form: IamForm, image: Gray8, downsample: number) => Promise<StoredCrop[]>;

/**
 * The ready cache directory `<processed_dir>/<dataset>/<key>` for the IAM source
 * in `c`, building it on a miss. The key covers `version`, the raw files, the
 * parse settings and `keyParts` (whatever else `cropForm` depends on).
 */
export async function prepareCropStore(
  dataset: string,
  version: number,
  c: IamSourceConfig,
  keyParts: Record<string, unknown>,
  cropForm: CropForm,
): Promise<string> {
  const { root, fingerprint } = await resolveIamRoot(c);
  const key = cacheKey({ v: version, raw: fingerprint, parse: await parseParams(c), ...keyParts });
  return withProcessedCache(dataset, key, (tmp) => buildCropStore(root, tmp, c, cropForm), {
    root: c.processed_dir,
    log: (m) => process.stderr.write(`${m}\n`),
  });
}

async function buildCropStore(root: string, dir: string, c: IamSourceConfig, cropForm: CropForm): Promise<void> {
  const t0 = performance.now();
  const iam = await loadIamFromConfig(root, c);
  const info: IamBuildInfo = {
    forms: { train: 0, val: 0, test: 0 },
    crops: { train: 0, val: 0, test: 0 },
    skipped_forms: [...iam.skipped],
    split_violations: [...iam.splitViolations],
    build_seconds: 0,
  };
  const onSkip = (file: string, reason: string): void => {
    info.skipped_forms.push({ file, reason });
    process.stderr.write(`IAM: skipping ${file}: ${reason}\n`);
  };
  for (const split of SPLITS) {
    const perForm = await mapForms(iam, split, c, cropForm, onSkip);
    const crops = perForm.flat();
    await writeCropStore(dir, split, crops);
    info.forms[split] = perForm.length;
    info.crops[split] = crops.length;
  }
  info.build_seconds = (performance.now() - t0) / 1000;
  await writeFile(path.join(dir, 'info.json'), JSON.stringify(info, null, 1));
}

export interface CropFilterReport {
  kept: number;
  too_long: number;
  unknown_chars: number;
  too_tall: number;
}

/** Drops crops whose label is too long or has characters outside the vocabulary, or that are too tall. */
export function filterCrops(
  crops: readonly StoredCrop[],
  tokenizer: Tokenizer,
  maxLabelLength: number,
  maxHeight = Infinity,
): { crops: StoredCrop[]; report: CropFilterReport } {
  const report: CropFilterReport = { kept: 0, too_long: 0, unknown_chars: 0, too_tall: 0 };
  const kept: StoredCrop[] = [];
  for (const c of crops) {
    if ([...c.text].length > maxLabelLength) report.too_long++;
    else if ([...c.text].some((ch) => !tokenizer.has(ch))) report.unknown_chars++;
    else if (c.image.height > maxHeight) report.too_tall++;
    else kept.push(c);
  }
  report.kept = kept.length;
  return { crops: kept, report };
}

export interface LoadedCropStore {
  info: IamBuildInfo;
  /** Crops per split that pass `filterCrops`. */
  crops: Record<IamSplit, StoredCrop[]>;
  filtered: Record<IamSplit, CropFilterReport>;
}

/** Reads a built cache: info.json and every split, filtered by label length, vocabulary and height. */
export async function loadCropStore(dir: string, tokenizer: Tokenizer, maxLabelLength: number, maxHeight = Infinity): Promise<LoadedCropStore> {
  const info = JSON.parse(await readFile(path.join(dir, 'info.json'), 'utf8')) as IamBuildInfo;
  const crops = {} as Record<IamSplit, StoredCrop[]>;
  const filtered = {} as Record<IamSplit, CropFilterReport>;
  for (const split of SPLITS) {
    const f = filterCrops(await readCropStore(dir, split), tokenizer, maxLabelLength, maxHeight);
    crops[split] = f.crops;
    filtered[split] = f.report;
  }
  return { info, crops, filtered };
}
