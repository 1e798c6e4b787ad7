/**
 * Turning stored IAM crops into model samples, shared by the IAM data modules:
 * the one 8-bit -> float path (`toFloatCanvas`, the same step serving uses after
 * its resize). Label checks happen when the store is loaded (iam_store.ts).
 */
import { toFloatCanvas } from '../../preprocess/line_image.js';
import type { StoredCrop } from './iam_store.js';
import type { Dataset, Sample } from '../../core/data_types.js';

/** A Dataset over crops: float, ink high, left-aligned on a `width` canvas. */
export function cropsDataset(crops: readonly StoredCrop[], width: number): Dataset {
  return {
    length: crops.length,
    get(i: number): Sample {
      const c = crops[i] as StoredCrop;
      return { id: c.id, text: c.text, image: toFloatCanvas(c.image, width, true) };
    },
  };
}

/** Train set made of several datasets back to back. */
export function concatDatasets(parts: readonly Dataset[]): Dataset {
  if (parts.length === 1) return parts[0] as Dataset;
  const length = parts.reduce((n, p) => n + p.length, 0);
  return {
    length,
    get(i: number) {
      let k = i;
      for (const p of parts) {
        if (k < p.length) return p.get(k);
        k -= p.length;
      }
      throw new RangeError(`index ${i} out of range 0..${length - 1}`);
    },
  };
}
