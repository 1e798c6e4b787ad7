/**
 * Train-only augmentation settings (data.augment.*). Every op has its own
 * probability; ranges are [min, max] pairs drawn uniformly. Evaluation never
 * augments, whatever these say.
 */
import { z } from 'zod';

const range = (lo: number, hi: number, what: string) =>
  z.tuple([z.number(), z.number()]).default([lo, hi]).describe(`${what}: [min, max], drawn uniformly`);
const prob = (p: number, what: string) => z.number().min(0).max(1).default(p).describe(`probability of ${what}`);

export const AugmentConfig = z.strictObject({
  enabled: z.boolean().default(true).describe('augment training images (validation/test never are)'),
  affine_p: prob(0.8, 'a random affine transform'),
  rotation_deg: range(-1.5, 1.5, 'rotation in degrees'),
  shear_deg: range(-25, 15, 'horizontal shear (slant) in degrees'),
  scale: range(0.9, 1.05, 'isotropic scale'),
  translate: range(-0.03, 0.03, 'translation as a fraction of the image size'),
  width_jitter_p: prob(0.5, 'horizontal stretching'),
  width_jitter: range(0.85, 1.15, 'horizontal stretch factor (capped so ink stays on the canvas)'),
  color_p: prob(0.8, 'brightness/contrast jitter'),
  brightness: range(0.75, 1.25, 'ink intensity multiplier'),
  contrast: range(0.8, 1.25, 'contrast around the mean'),
  blur_p: prob(0.25, 'Gaussian blur'),
  blur_sigma: range(0.3, 0.9, 'blur sigma in pixels'),
  elastic_p: prob(0.25, 'elastic distortion'),
  elastic_alpha: z.number().min(0).default(1.2).describe('elastic displacement std in pixels'),
  elastic_grid: z.number().int().min(2).default(8).describe('spacing of the elastic control grid in pixels'),
  noise_frame_p: prob(0.3, 'noise framing: shrink into a random margin and add paper noise (seed 001)'),
  noise_frame_margin: range(0, 0.08, 'margin per side as a fraction of the image size'),
  noise_std: range(0, 0.06, 'std of the additive paper noise'),
});
export type AugmentConfig = z.infer<typeof AugmentConfig>;

/** All defaults (augmentation on). */
export const DEFAULT_AUGMENT: AugmentConfig = AugmentConfig.parse({});
