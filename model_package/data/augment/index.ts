export { AugmentConfig, DEFAULT_AUGMENT } from './config.js';
export { augmentImage } from './augment_image.js';
export { AugmentPool } from './augment_pool.js';
export { affine, brightnessContrast, elastic, gaussianBlur, inkExtent, noiseFrame, widthJitter } from './ops.js';
