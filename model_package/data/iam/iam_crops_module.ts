/**
 * What IAMLines and IAMParagraphs have in common: a processed crop cache built
 * by `buildCache` (see iam_store), loaded and label-filtered at setup into
 * left-aligned `max_width` datasets, train-only augmentation on `num_workers`
 * threads, and the same properties report. A subclass supplies the cache
 * (its crop function and key parts) and, optionally, a crop height limit.
 */
import path from 'node:path';
import type { AugmentConfig } from '../augment/config.js';
import { AugmentPool } from '../augment/augment_pool.js';
import { BaseDataModule, type BaseDataConfig } from '../base_data_module.js';
import type { IamSplit } from './iam_folder.js';
import { cropsDataset } from './iam_crops_dataset.js';
import { loadCropStore, type CropFilterReport, type IamBuildInfo, type StoredCrop } from './iam_store.js';
import { buildMapping, DEFAULT_CHARACTERS, Tokenizer } from '../../core/tokenizer.js';
import type { Stage } from '../../core/data_types.js';

export interface IamCropsModuleConfig extends BaseDataConfig {
  max_width: number;
  max_label_length: number;
  augment: AugmentConfig;
}

export abstract class IamCropsModule<C extends IamCropsModuleConfig> extends BaseDataModule {
  protected readonly config: C;
  readonly mapping: readonly string[] = buildMapping(DEFAULT_CHARACTERS);
  private readonly tokenizer = new Tokenizer(this.mapping);
  private readonly pool: AugmentPool;
  /** Ready cache directory after prepareData. */
  cacheDir: string | undefined;
  /** Crops per split after setup (8-bit, as cached). */
  crops: Record<IamSplit, StoredCrop[]> | undefined;
  protected info: IamBuildInfo | undefined;
  private filtered: Partial<Record<IamSplit, CropFilterReport>> = {};

  constructor(config: C) {
    super(config);
    this.config = config;
    this.pool = new AugmentPool(config.augment, config.num_workers);
    if (config.augment.enabled) this.augment = this.pool.augment;
  }

  /** Finds or builds this module's crop cache; returns its directory. */
  protected abstract buildCache(): Promise<string>;

  /** Crops taller than this are dropped at setup (and counted). */
  protected maxCropHeight(): number {
    return Infinity;
  }

  /** Extra properties, reported right after cache_dir. */
  protected cacheProperties(): Record<string, unknown> {
    return {};
  }

  async prepareData(): Promise<void> {
    if (this.cacheDir) return;
    this.cacheDir = await this.buildCache();
  }

  async setup(_stage: Stage): Promise<void> {
    if (this.splits) return;
    await this.prepareData();
    const c = this.config;
    const { info, crops, filtered } = await loadCropStore(this.cacheDir as string, this.tokenizer, c.max_label_length, this.maxCropHeight());
    this.info = info;
    this.filtered = filtered;
    this.crops = crops;
    this.splits = { train: cropsDataset(crops.train, c.max_width), val: cropsDataset(crops.val, c.max_width), test: cropsDataset(crops.test, c.max_width) };
  }

  override properties(): Record<string, unknown> {
    return {
      ...super.properties(),
      cache_dir: this.cacheDir,
      ...this.cacheProperties(),
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
