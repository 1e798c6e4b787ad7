/**
 * Turning stored IAM crops into model samples, shared by the IAM data modules:
 * label checks (length, vocabulary) and the one 8-bit -> float path
 * (`toFloatCanvas`, the same step serving uses after its resize).
 */
import { toFloatCanvas } from '../../preprocess/line_image.js';
import type { StoredCrop } from './iam_store.js';
import type { Tokenizer } from '../../core/tokenizer.js';
import type { Dataset, Sample } from '../../core/data_types.js';

export interface CropFilterReport {
  kept: number;
  too_long: number;
  unknown_chars: number;
  too_tall: number;
}

/** Drops crops whose label is too long or has characters outside the vocabulary, or that are too tall. */
export function filterCrops(
  crops: readonly StoredCrop[],
  tokenizer: Tokenizer,
  maxLabelLength: number,
  maxHeight = Infinity,
): { crops: StoredCrop[]; report: CropFilterReport } {
  const report: CropFilterReport = { kept: 0, too_long: 0, unknown_chars: 0, too_tall: 0 };
  const kept: StoredCrop[] = [];
  for (const c of crops) {
    if ([...c.text].length > maxLabelLength) report.too_long++;
    else if ([...c.text].some((ch) => !tokenizer.has(ch))) report.unknown_chars++;
    else if (c.image.height > maxHeight) report.too_tall++;
    else kept.push(c);
  }
  report.kept = kept.length;
  return { crops: kept, report };
}

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
