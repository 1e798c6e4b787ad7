/**
 * The train-time augmentation pipeline: width jitter, affine, elastic, noise
 * framing, blur, brightness/contrast, each with its own probability. A pure
 * function of (image, config, seed), so a worker thread and the main thread
 * produce the same pixels for the same seed.
 */
import { Rng } from '../../core/rng.js';
import type { GrayImage } from '../../core/data_types.js';
import type { AugmentConfig } from './config.js';
import { affine, brightnessContrast, elastic, gaussianBlur, noiseFrame, widthJitter } from './ops.js';

const pick = (rng: Rng, [lo, hi]: readonly [number, number]): number => rng.uniform(lo, hi);

export function augmentImage(image: GrayImage, config: AugmentConfig, seed: number): GrayImage {
  if (!config.enabled) return image;
  const rng = new Rng(seed);
  let img = image;
  if (rng.next() < config.width_jitter_p) img = widthJitter(img, pick(rng, config.width_jitter));
  if (rng.next() < config.affine_p) {
    img = affine(img, {
      rotationDeg: pick(rng, config.rotation_deg),
      shearDeg: pick(rng, config.shear_deg),
      scale: pick(rng, config.scale),
      tx: pick(rng, config.translate) * img.width,
      ty: pick(rng, config.translate) * img.height,
    });
  }
  if (rng.next() < config.elastic_p) img = elastic(img, config.elastic_alpha, config.elastic_grid, rng);
  if (rng.next() < config.noise_frame_p) {
    const m = () => pick(rng, config.noise_frame_margin);
    img = noiseFrame(img, { left: m(), right: m(), top: m(), bottom: m() }, pick(rng, config.noise_std), rng);
  }
  if (rng.next() < config.blur_p) img = gaussianBlur(img, pick(rng, config.blur_sigma));
  if (rng.next() < config.color_p) img = brightnessContrast(img, pick(rng, config.brightness), pick(rng, config.contrast));
  return img;
}
