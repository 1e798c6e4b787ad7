/** OverfitData: the same first N train batches for every epoch and for validation. */
import { describe, expect, it } from 'vitest';
import type { DataLoader } from '../../../model_package/core/data_types.js';
import { OverfitData } from '../../../model_package/training/overfit_data.js';
import { tinyData } from '../../helpers/tiny_run.js';

async function ids(loader: DataLoader): Promise<string[][]> {
  const out: string[][] = [];
  for await (const b of loader) out.push([...b.ids]);
  return out;
}

describe('OverfitData', () => {
  it('serves the first N batches of epoch 0 as every train epoch and as the val split', async () => {
    const data = await tinyData({ num_train: 16, batch_size: 4 }); // 4 train batches, shuffled per epoch
    const epoch0 = await ids(data.trainDataloader(0));
    expect(await ids(data.trainDataloader(1))).not.toEqual(epoch0); // the wrapped module does reshuffle

    const overfit = await OverfitData.wrap(data, 2);
    expect(overfit.batches).toHaveLength(2);
    const fixed = epoch0.slice(0, 2);
    for (const loader of [overfit.trainDataloader(0), overfit.trainDataloader(5), overfit.valDataloader()]) {
      expect(loader.numBatches).toBe(2);
      expect(loader.numSamples).toBe(8);
      expect(await ids(loader)).toEqual(fixed);
    }
    // Identical arrays each pass, not re-collated copies.
    const first = (await overfit.trainDataloader(3)[Symbol.asyncIterator]().next()).value;
    expect(first).toBe(overfit.batches[0]);
  });

  it('passes the test split, data config and properties through, and stops at what the data has', async () => {
    const data = await tinyData({ num_train: 8, batch_size: 4 });
    const overfit = await OverfitData.wrap(data, 5);
    expect(overfit.batches).toHaveLength(2);
    expect(await ids(overfit.testDataloader())).toEqual(await ids(data.testDataloader()));
    expect(overfit.dataConfig()).toEqual(data.dataConfig());
    expect(overfit.properties()).toEqual(data.properties());
  });
});
