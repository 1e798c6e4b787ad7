/**
 * Where the IAM files come from and how forms are read, shared by IAMLines and
 * IAMParagraphs: `data.raw_dir` (an extracted IAM folder or a folder holding the
 * zip) or Google Drive per data/raw/iam/metadata.yaml; then parse, and decode each
 * form image once for all its crops.
 */
import { createHash } from 'node:crypto';
import { availableParallelism } from 'node:os';
import { readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import type { Gray8 } from '../../core/data_types.js';
import { htrError } from '../../errors.js';
import { cropRect } from '../../preprocess/crop.js';
import { decodeGray } from '../../preprocess/line_image.js';
import { loadIamCorrections } from './iam_corrections.js';
import { findIamRoot, loadIam, type IamDataset, type IamSplit } from './iam_folder.js';
import type { IamForm } from './iam_form.js';
import type { Box } from './iam_geometry.js';
import { ensureRawFiles, extractZipOnce, loadRawMetadata } from '../sources/raw_data.js';
import { DriveConfigShape, driveOptionsFromConfig } from '../sources/drive_config.js';

/** Config keys every IAM data module shares (data.raw_dir, data.line_padding, ...). */
export const IamSourceShape = {
  raw_dir: z.string().optional().describe('local IAM: an extracted folder (xml/, forms/, split files) or a folder holding the zip named in data/raw/iam/metadata.yaml; skips Google Drive'),
  download_dir: z.string().default('data/downloaded/iam').describe('where Google Drive downloads and their extraction go'),
  metadata_dir: z.string().default('data/raw').describe('folder holding iam/metadata.yaml (file names, Drive ids, sha256)'),
  processed_dir: z.string().default('data/processed').describe('root of the processed-data cache'),
  corrections_file: z.string().default('data/iam_corrections.yaml').describe('form-specific IAM fixes (all-caps forms, text corrections)'),
  line_padding: z.number().int().min(0).default(16).describe('pixels (full-size scan) added around each line box, at most half the gap to the next line; 16 = the seed\'s 8 px on half-size JPGs'),
  max_line_height: z.number().int().min(8).default(120).describe('a line box ends at most this many pixels (full-size scan) below its top, so crops never span two lines; 120 = the seed\'s 60 px on half-size JPGs'),
  downsample: z.union([z.literal('auto'), z.number().positive()]).default('auto').describe("form image scale relative to the XML coordinates: 'auto' (XML width / image width), 1 for IAM PNGs, 2 for fsdl's half-size JPGs"),
  drop_leaking_train_forms: z.boolean().default(false).describe('drop train forms whose writer also appears in val/test (always reported)'),
  ...DriveConfigShape,
};
const IamSourceSchema = z.object(IamSourceShape);
export type IamSourceConfig = z.infer<typeof IamSourceSchema>;

export interface ResolvedIam {
  /** The folder holding xml/ and forms/. */
  readonly root: string;
  /** Hash of the raw inputs, for the processed-cache key. */
  readonly fingerprint: string;
}

/** Finds (or downloads and extracts) the IAM folder. */
export async function resolveIamRoot(c: IamSourceConfig): Promise<ResolvedIam> {
  if (c.raw_dir !== undefined) {
    const root = await findIamRoot(c.raw_dir);
    if (root) return { root, fingerprint: await fingerprintFolder(root) };
  }
  const files = await ensureRawFiles('iam', {
    ...(c.raw_dir !== undefined ? { rawDir: c.raw_dir } : {}),
    downloadDir: c.download_dir,
    metadataDir: c.metadata_dir,
    drive: driveOptionsFromConfig(c),
  });
  const { files: specs } = await loadRawMetadata('iam', c.metadata_dir);
  const zipSpec = specs.find((s) => s.name.toLowerCase().endsWith('.zip'));
  const zip = zipSpec ? files.get(zipSpec.name) : undefined;
  if (!zipSpec || !zip) throw htrError('HTR_ERR_BAD_DATA_FILE', { file: path.join(c.metadata_dir, 'iam', 'metadata.yaml'), reason: 'lists no .zip file' });
  const extracted = await extractZipOnce(zip, path.join(c.download_dir, 'extracted'), zipSpec.sha256);
  const root = await findIamRoot(extracted);
  if (!root) throw htrError('HTR_ERR_BAD_DATA_FILE', { file: zip, reason: 'no xml/ folder inside the zip' });
  return { root, fingerprint: zipSpec.sha256 };
}

/**
 * Fingerprint of an extracted folder: the bytes of the small files (XML, split
 * files) and name + size of every form image, so editing a transcription or
 * replacing an image changes the key without hashing gigabytes of scans.
 */
export async function fingerprintFolder(root: string): Promise<string> {
  const hash = createHash('sha256');
  const walk = async (rel: string): Promise<void> => {
    const entries = (await readdir(path.join(root, rel), { withFileTypes: true })).sort((a, b) => a.name.localeCompare(b.name));
    for (const e of entries) {
      const r = rel ? `${rel}/${e.name}` : e.name;
      if (e.name.startsWith('.')) continue;
      if (e.isDirectory()) await walk(r);
      else if (/\.(xml|txt)$/i.test(e.name)) hash.update(`${r}\0`).update(await readFile(path.join(root, r)));
      else if (/\.(png|jpe?g)$/i.test(e.name)) hash.update(`${r}\0${(await stat(path.join(root, r))).size}\n`);
    }
  };
  await walk('');
  return hash.digest('hex');
}

/** Parse options from config (reads the corrections file). */
export async function loadIamFromConfig(root: string, c: IamSourceConfig, warn?: (m: string) => void): Promise<IamDataset> {
  return loadIam(root, {
    linePadding: c.line_padding,
    maxLineHeight: c.max_line_height,
    corrections: await loadIamCorrections(c.corrections_file),
    dropLeakingTrainForms: c.drop_leaking_train_forms,
    ...(warn ? { warn } : {}),
  });
}

/** Everything that changes parsing, for cache keys. */
export async function parseParams(c: IamSourceConfig): Promise<Record<string, unknown>> {
  return {
    line_padding: c.line_padding,
    max_line_height: c.max_line_height,
    downsample: c.downsample,
    drop_leaking_train_forms: c.drop_leaking_train_forms,
    corrections: await loadIamCorrections(c.corrections_file),
  };
}

/** Copies the rows/columns of `box` out of an 8-bit image. */
export function cropGray(img: Gray8, box: Box): Gray8 {
  return cropRect(img, box.x1, box.y1, box.x2 - box.x1, box.y2 - box.y1);
}

/**
 * Decodes each form of `split` once and hands it to `perForm`; forms run
 * concurrently (sharp decodes on libuv threads). A form image that does not
 * decode is reported through `onSkip` and left out; results keep the split's order.
 */
export async function mapForms<T>(
  iam: IamDataset,
  split: IamSplit,
  c: Pick<IamSourceConfig, 'downsample'>,
  perForm: (form: IamForm, image: Gray8, downsample: number) => Promise<T>,
  onSkip: (file: string, reason: string) => void = () => undefined,
  concurrency = Math.max(2, availableParallelism()),
): Promise<T[]> {
  const ids = iam.splits[split];
  const out = new Array<T | undefined>(ids.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < ids.length) {
      const i = next++;
      const id = ids[i] as string;
      const form = iam.forms.get(id) as IamForm;
      const file = iam.images.get(id) as string;
      let image: Gray8;
      try {
        image = await decodeGray(file);
      } catch (err) {
        onSkip(file, err instanceof Error ? err.message : String(err));
        continue;
      }
      const downsample = c.downsample === 'auto' ? form.width / image.width : c.downsample;
      out[i] = await perForm(form, image, downsample);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, ids.length) }, worker));
  return out.filter((x): x is T => x !== undefined);
}
