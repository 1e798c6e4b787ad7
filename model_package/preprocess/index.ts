export * from './line_image.js';
export * from './crop.js';
export * from './gray_pixels.js';
