export * from './line_image.js';
