/** Building the native backend on first use by a training run (see first_use.ts). */
export { buildNativeOnFirstUse, BUILD_LOG } from './first_use.js';
export type { FirstUseOptions, FirstUseOutcome } from './first_use.js';
export { autoBuildSetting } from './settings.js';
export type { AutoBuildSetting } from './settings.js';
export { MARKER_FILE, readFailureMarker } from './failure_marker.js';
export type { FailureMarker, FailureReason } from './failure_marker.js';
export { LOCK_FILE } from './build_lock.js';
