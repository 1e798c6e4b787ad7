/**
 * IAMParagraphs: the region of each IAM form from its first to its last kept
 * line, resized so every line gets `line_height` pixels (n lines -> n x
 * line_height tall, aspect kept, width capped at `max_width`), labels the line
 * texts joined by "\n". Cached in `data/processed/iam_paragraphs/<key>/`.
 */
import { z } from 'zod';
import { resizeGray } from '../../preprocess/line_image.js';
import { AugmentConfig } from '../augment/config.js';
import { BaseDataConfig, type Splits } from '../base_data_module.js';
import { paragraphBox, scaleBox } from './iam_geometry.js';
import { IamCropsModule } from './iam_crops_module.js';
import { cropGray, IamSourceShape } from './iam_source.js';
import { prepareCropStore } from './iam_store.js';
import type { DataConfig } from '../../core/data_types.js';

const PARAGRAPHS_VERSION = 1;

/** Paragraph geometry shared by the real and synthetic paragraph modules. */
export const ParagraphShape = {
  line_height: z.number().int().min(8).default(28).describe('pixels per text line; a paragraph of n lines is n x line_height tall'),
  max_lines: z.number().int().min(1).default(13).describe('most lines per paragraph (canvas height = max_lines x line_height); taller paragraphs are dropped and counted'),
  max_width: z.number().int().min(16).default(640).describe('canvas width; narrower paragraphs are padded with paper, wider ones squeezed'),
  max_label_length: z.number().int().min(1).default(682).describe('longest paragraph label in characters, newlines included'),
};

export const IAMParagraphsConfig = BaseDataConfig.extend({
  ...IamSourceShape,
  ...ParagraphShape,
  augment: AugmentConfig.prefault({}).describe('train-only augmentation'),
});
export type IAMParagraphsConfig = z.infer<typeof IAMParagraphsConfig>;

export function paragraphDataConfig(c: { line_height: number; max_lines: number; max_width: number; max_label_length: number }, mapping: readonly string[]): DataConfig {
  return { inputDims: [1, c.line_height * c.max_lines, c.max_width], outputDims: [c.max_label_length + 2], mapping };
}

export class IAMParagraphs extends IamCropsModule<IAMParagraphsConfig> {
  dataConfig(): DataConfig {
    return paragraphDataConfig(this.config, this.mapping);
  }

  protected buildCache(): Promise<string> {
    const c = this.config;
    return prepareCropStore('iam_paragraphs', PARAGRAPHS_VERSION, c, { line_height: c.line_height, max_width: c.max_width }, async (form, image, ds) => {
      const crop = cropGray(image, scaleBox(paragraphBox(form.lines), ds, image.width, image.height));
      return [{
        id: form.id,
        text: form.lines.map((l) => l.text).join('\n'),
        image: await resizeGray(crop, form.lines.length * c.line_height, c.max_width),
      }];
    });
  }

  protected override maxCropHeight(): number {
    return this.config.max_lines * this.config.line_height;
  }

  /** The loaded splits (after setup), for modules that combine them. */
  datasets(): Splits {
    return this.requireSplits();
  }
}
