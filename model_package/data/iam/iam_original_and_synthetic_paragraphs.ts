/**
 * IAMOriginalAndSyntheticParagraphs: training on real IAM paragraphs plus
 * synthetic stacks of train-split lines; validation and test are real
 * paragraphs only, so reported scores are on real IAM pages.
 */
import { z } from 'zod';
import { AugmentPool } from '../augment/augment_pool.js';
import { BaseDataModule } from '../base_data_module.js';
import type { IamSplit } from './iam_folder.js';
import { concatDatasets } from './iam_crops_dataset.js';
import type { IAMLines } from './iam_lines.js';
import { IAMParagraphs, IAMParagraphsConfig, paragraphDataConfig } from './iam_paragraphs.js';
import type { StoredCrop } from './iam_store.js';
import { linesForParagraphs, stackOptions, syntheticParagraphDataset, SyntheticParagraphShape } from './iam_synthetic_paragraphs.js';
import type { DataConfig, Stage } from '../../core/data_types.js';

export const IAMOriginalAndSyntheticParagraphsConfig = IAMParagraphsConfig.extend({
  ...SyntheticParagraphShape,
  num_synthetic: z.number().int().min(0).default(5000).describe('synthetic paragraphs added to the real training paragraphs'),
});
export type IAMOriginalAndSyntheticParagraphsConfig = z.infer<typeof IAMOriginalAndSyntheticParagraphsConfig>;

export class IAMOriginalAndSyntheticParagraphs extends BaseDataModule {
  protected readonly config: IAMOriginalAndSyntheticParagraphsConfig;
  private readonly real: IAMParagraphs;
  private readonly lines: IAMLines;
  private readonly pool: AugmentPool;

  constructor(config: IAMOriginalAndSyntheticParagraphsConfig) {
    super(config);
    this.config = config;
    // The inner modules never augment: this module's loader does, train only.
    const { num_synthetic: _n, seed: _s, min_synthetic_lines: _m, ...paragraphs } = config;
    this.real = new IAMParagraphs(IAMParagraphsConfig.parse({ ...paragraphs, num_workers: 0, augment: { enabled: false } }));
    this.lines = linesForParagraphs(config);
    this.pool = new AugmentPool(config.augment, config.num_workers);
    if (config.augment.enabled) this.augment = this.pool.augment;
  }

  get mapping(): readonly string[] {
    return this.real.mapping;
  }

  dataConfig(): DataConfig {
    return paragraphDataConfig(this.config, this.real.mapping);
  }

  async prepareData(): Promise<void> {
    await this.real.prepareData();
    await this.lines.prepareData();
  }

  async setup(stage: Stage): Promise<void> {
    if (this.splits) return;
    await this.real.setup(stage);
    await this.lines.setup(stage);
    const c = this.config;
    const realSplits = this.real.datasets();
    const synthetic = syntheticParagraphDataset((this.lines.crops as Record<IamSplit, StoredCrop[]>).train, c.num_synthetic, c.seed, 'train', stackOptions(c));
    this.splits = {
      train: concatDatasets([realSplits.train, synthetic]),
      val: realSplits.val,
      test: realSplits.test,
    };
  }

  override properties(): Record<string, unknown> {
    const r = this.real.properties();
    return {
      ...super.properties(),
      real_train_size: this.real.crops?.train.length,
      synthetic_train_size: this.config.num_synthetic,
      skipped_forms: r.skipped_forms,
      split_violations: r.split_violations,
      label_filter: r.label_filter,
    };
  }

  async close(): Promise<void> {
    await Promise.all([this.pool.close(), this.real.close(), this.lines.close()]);
  }
}
