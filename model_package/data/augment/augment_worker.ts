/**
 * Worker-thread entry for `AugmentPool`: receives (image, seed), runs the same
 * `augmentImage` as the main thread, and transfers the result back.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { augmentImage } from './augment_image.js';
import type { AugmentConfig } from './config.js';

export interface AugmentTask {
  id: number;
  seed: number;
  width: number;
  height: number;
  data: Float32Array;
}

const config = workerData as AugmentConfig;
parentPort?.on('message', (task: AugmentTask) => {
  const out = augmentImage({ data: task.data, width: task.width, height: task.height }, config, task.seed);
  const data = out.data === task.data ? new Float32Array(out.data) : out.data;
  parentPort?.postMessage({ id: task.id, data, width: out.width, height: out.height }, [data.buffer as ArrayBuffer]);
});
