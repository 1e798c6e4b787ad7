export * from './line_image.js';
export * from './crop.js';
