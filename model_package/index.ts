/**
 * Everything of model_package/, one namespace per folder so names never collide:
 * `import { data, models, training } from './model_package/index.js'` inside this
 * repository. The npm package exports only the recognizer API (api/node.ts, api/browser.ts).
 */
export * as backend from './backend/index.js';
export * as config from './config/index.js';
export * as data from './data/index.js';
export * as inference from './inference/index.js';
export * as loggers from './loggers/index.js';
export * as metrics from './metrics/index.js';
export * as models from './models/index.js';
export * as preprocess from './preprocess/index.js';
export * as training from './training/index.js';
export { HtrError, htrError, isHtrError, ERROR_CODES, type HtrErrorCode } from './errors.js';
