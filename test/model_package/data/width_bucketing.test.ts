import { describe, expect, it } from 'vitest';
import { batchOrder, makeDataLoader } from '../../../model_package/data/base_data_module.js';
import { WIDTH_QUANTUM } from '../../../model_package/core/data_types.js';
import { buildMapping } from '../../../model_package/core/tokenizer.js';
import type { Batch, DataConfig, Dataset } from '../../../model_package/core/data_types.js';
import { Rng } from '../../../model_package/core/rng.js';

/** Natural-width lines: sample i is widths[i] px wide, every pixel (i + 1). */
function lines(widths: readonly number[], height = 4): Dataset {
  return {
    length: widths.length,
    get: (i) => {
      const w = widths[i] as number;
      return { image: { data: new Float32Array(height * w).fill(i + 1), height, width: w }, text: 'ab', id: `l${i}` };
    },
    widthOf: (i) => widths[i] as number,
  };
}

describe('width bucketing', () => {
  const widths = Array.from({ length: 203 }, (_, i) => 16 + ((i * 7919) % 1000));

  it('keeps every sample exactly once, in train and eval order', () => {
    for (const shuffle of [undefined, new Rng(5)]) {
      const batches = batchOrder(widths.length, 8, { shuffle, widthOf: (i) => widths[i] as number });
      const seen = batches.flat().sort((a, b) => a - b);
      expect(seen).toEqual(widths.map((_, i) => i));
      expect(batches.length).toBe(Math.ceil(widths.length / 8));
    }
  });

  it('groups similar widths: padding is far below an unbucketed shuffle', () => {
    const waste = (batches: number[][]) =>
      batches.reduce((sum, b) => {
        const w = b.map((i) => widths[i] as number);
        return sum + w.reduce((s, x) => s + Math.max(...w) - x, 0);
      }, 0);
    const bucketed = batchOrder(widths.length, 8, { shuffle: new Rng(1), widthOf: (i) => widths[i] as number });
    const plain = batchOrder(widths.length, 8, { shuffle: new Rng(1) });
    expect(waste(bucketed)).toBeLessThan(waste(plain) / 4);
  });

  it('train order is seeded: same seed same batches, new seed new batches', () => {
    const run = (seed: number) => batchOrder(widths.length, 8, { shuffle: new Rng(seed), widthOf: (i) => widths[i] as number });
    expect(run(2)).toEqual(run(2));
    expect(run(3)).not.toEqual(run(2));
  });

  it('pads each batch to its widest line rounded up to the quantum, and records every width', async () => {
    const config: DataConfig = { inputDims: [1, 4, 1024], outputDims: [4], mapping: buildMapping('ab') };
    const ws = [40, 70, 300, 900];
    const out: Batch[] = [];
    for await (const b of makeDataLoader(lines(ws), config, 2)) out.push(b);
    expect(out.map((b) => b.width)).toEqual([Math.ceil(70 / WIDTH_QUANTUM) * WIDTH_QUANTUM, Math.ceil(900 / WIDTH_QUANTUM) * WIDTH_QUANTUM]);
    expect(out.map((b) => Array.from(b.widths))).toEqual([[40, 70], [300, 900]]);
    // Line 0 (40 px) keeps its pixels unscaled and is zero padded to the batch width.
    const b0 = out[0]!;
    const row = b0.x.subarray(0, b0.width);
    expect(Array.from(row.subarray(0, 40)).every((v) => v === 1)).toBe(true);
    expect(Array.from(row.subarray(40)).every((v) => v === 0)).toBe(true);
  });
});
