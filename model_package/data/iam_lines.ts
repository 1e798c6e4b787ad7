/**
 * IAMLines: handwritten text lines cropped from IAM forms, grayscale, resized to
 * `height` with aspect ratio kept and padded (or squeezed) to `max_width`;
 * labels `<S>text<E>` padded to `max_label_length + 2`. Crops are cached in
 * `data/processed/iam_lines/<key>/`; training images are augmented on
 * `num_workers` threads.
 */
import path from 'node:path';
import { z } from 'zod';
import { resizeGray } from '../preprocess/line_image.js';
import { AugmentConfig } from './augment/config.js';
import { AugmentPool } from './augment/augment_pool.js';
import { BaseDataConfig, BaseDataModule } from './base_data_module.js';
import { scaleBox, type IamSplit } from './iam.js';
import { cropsDataset, type CropFilterReport } from './iam_crops_dataset.js';
import { cropGray, IamSourceShape } from './iam_source.js';
import { loadCropStore, prepareCropStore, type IamBuildInfo, type StoredCrop } from './iam_store.js';
import { buildMapping, DEFAULT_CHARACTERS, Tokenizer } from './tokenizer.js';
import type { DataConfig, Stage } from './types.js';

/** Bump when crop extraction changes in a way the key cannot see. */
const LINES_VERSION = 1;

export const IAMLinesConfig = BaseDataConfig.extend({
  ...IamSourceShape,
  height: z.number().int().min(8).default(28).describe('line image height in pixels'),
  max_width: z.number().int().min(16).default(640).describe('canvas width; narrower lines are padded with paper, wider ones squeezed'),
  max_label_length: z.number().int().min(1).default(96).describe('longest line label in characters (longer lines are dropped and counted)'),
  augment: AugmentConfig.prefault({}).describe('train-only augmentation'),
});
export type IAMLinesConfig = z.infer<typeof IAMLinesConfig>;

export class IAMLines extends BaseDataModule {
  protected readonly config: IAMLinesConfig;
  readonly mapping: readonly string[] = buildMapping(DEFAULT_CHARACTERS);
  private readonly tokenizer = new Tokenizer(this.mapping);
  private readonly pool: AugmentPool;
  /** Ready cache directory after prepareData. */
  cacheDir: string | undefined;
  /** Line crops per split after setup (8-bit, `height` tall). */
  crops: Record<IamSplit, StoredCrop[]> | undefined;
  private info: IamBuildInfo | undefined;
  private filtered: Partial<Record<IamSplit, CropFilterReport>> = {};

  constructor(config: IAMLinesConfig) {
    super(config);
    this.config = config;
    this.pool = new AugmentPool(config.augment, config.num_workers);
    if (config.augment.enabled) this.augment = this.pool.augment;
  }

  dataConfig(): DataConfig {
    return { inputDims: [1, this.config.height, this.config.max_width], outputDims: [this.config.max_label_length + 2], mapping: this.mapping };
  }

  async prepareData(): Promise<void> {
    if (this.cacheDir) return;
    const c = this.config;
    this.cacheDir = await prepareCropStore('iam_lines', LINES_VERSION, c, { height: c.height, max_width: c.max_width }, async (form, image, ds) => {
      const out: StoredCrop[] = [];
      for (const line of form.lines) {
        const crop = cropGray(image, scaleBox(line.box, ds, image.width, image.height));
        out.push({ id: line.id, text: line.text, image: await resizeGray(crop, c.height, c.max_width) });
      }
      return out;
    });
  }

  async setup(_stage: Stage): Promise<void> {
    if (this.splits) return;
    await this.prepareData();
    const { info, crops, filtered } = await loadCropStore(this.cacheDir as string, this.tokenizer, this.config.max_label_length);
    this.info = info;
    this.filtered = filtered;
    this.crops = crops;
    const w = this.config.max_width;
    this.splits = { train: cropsDataset(crops.train, w), val: cropsDataset(crops.val, w), test: cropsDataset(crops.test, w) };
  }

  override properties(): Record<string, unknown> {
    return {
      ...super.properties(),
      cache_dir: this.cacheDir,
      forms_per_split: this.info?.forms,
      skipped_forms: this.info?.skipped_forms.map((s) => path.basename(s.file)),
      split_violations: this.info?.split_violations,
      label_filter: this.filtered,
      augment: this.config.augment.enabled ? { workers: this.config.num_workers } : false,
    };
  }

  /** Ends augmentation worker threads (they never keep the process alive). */
  async close(): Promise<void> {
    await this.pool.close();
  }
}
