/**
 * IAMLines: handwritten text lines cropped from IAM forms, grayscale, resized to
 * `height` with aspect ratio kept and padded (or squeezed) to `max_width`;
 * labels `<S>text<E>` padded to `max_label_length + 2`. Crops are cached in
 * `data/processed/iam_lines/<key>/`; training images are augmented on
 * `num_workers` threads.
 */
import { z } from 'zod';
import { resizeGray } from '../../preprocess/line_image.js';
import { AugmentConfig } from '../augment/config.js';
import { BaseDataConfig } from '../base_data_module.js';
import { scaleBox } from './iam_geometry.js';
import { IamCropsModule } from './iam_crops_module.js';
import { cropGray, IamSourceShape } from './iam_source.js';
import { prepareCropStore, type StoredCrop } from './iam_store.js';
import type { DataConfig } from '../../core/data_types.js';

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

export class IAMLines extends IamCropsModule<IAMLinesConfig> {
  dataConfig(): DataConfig {
    return { inputDims: [1, this.config.height, this.config.max_width], outputDims: [this.config.max_label_length + 2], mapping: this.mapping };
  }

  protected buildCache(): Promise<string> {
    const c = this.config;
    return prepareCropStore('iam_lines', LINES_VERSION, c, { height: c.height, max_width: c.max_width }, async (form, image, ds) => {
      const out: StoredCrop[] = [];
      for (const line of form.lines) {
        const crop = cropGray(image, scaleBox(line.box, ds, image.width, image.height));
        out.push({ id: line.id, text: line.text, image: await resizeGray(crop, c.height, c.max_width) });
      }
      return out;
    });
  }

  protected override cacheProperties(): Record<string, unknown> {
    return { forms_per_split: this.info?.forms };
  }
}
