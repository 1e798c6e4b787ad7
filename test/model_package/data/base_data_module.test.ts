import { describe, expect, it } from 'vitest';
import { arrayDataset, makeDataLoader } from '../../../model_package/data/base_data_module.js';
import { buildMapping, END_INDEX, START_INDEX } from '../../../model_package/core/tokenizer.js';
import type { Batch, DataConfig, Sample } from '../../../model_package/core/data_types.js';
import { Rng } from '../../../model_package/core/rng.js';

const config: DataConfig = { inputDims: [1, 4, 6], outputDims: [6], mapping: buildMapping('abc') };

function sample(i: number, width: number): Sample {
  const data = new Float32Array(4 * width).fill((i + 1) / 10);
  return { image: { data, height: 4, width }, text: 'abc'.slice(0, (i % 3) + 1), id: `s${i}` };
}

async function collect(loader: AsyncIterable<Batch>): Promise<Batch[]> {
  const out: Batch[] = [];
  for await (const b of loader) out.push(b);
  return out;
}

describe('makeDataLoader', () => {
  const samples = Array.from({ length: 5 }, (_, i) => sample(i, i % 2 ? 3 : 6));

  it('batches in order, pads narrow images with zeros and encodes labels', async () => {
    const loader = makeDataLoader(arrayDataset(samples), config, 2);
    expect(loader.numBatches).toBe(3);
    const batches = await collect(loader);
    expect(batches.map((b) => b.batchSize)).toEqual([2, 2, 1]);
    const b0 = batches[0]!;
    expect(b0.ids).toEqual(['s0', 's1']);
    // sample 1 is 3 px wide: columns 3..5 of its rows are padding.
    const row0 = Array.from(b0.x.slice(24, 30));
    expect(row0.map((v) => +v.toFixed(2))).toEqual([0.2, 0.2, 0.2, 0, 0, 0]);
    expect(Array.from(b0.y.slice(0, 6))).toEqual([START_INDEX, 4, END_INDEX, 3, 3, 3]);
  });

  it('shuffles deterministically per seed and covers every sample once', async () => {
    const ids = async (seed: number) =>
      (await collect(makeDataLoader(arrayDataset(samples), config, 2, { shuffle: new Rng(seed) }))).flatMap((b) => b.ids);
    const a = await ids(3);
    expect(await ids(3)).toEqual(a);
    expect([...a].sort()).toEqual(['s0', 's1', 's2', 's3', 's4']);
    expect(await ids(4)).not.toEqual(a);
  });

  it('applies augmentation only when given', async () => {
    const loader = makeDataLoader(arrayDataset(samples), config, 5, {
      shuffle: new Rng(0),
      augment: (img) => ({ ...img, data: img.data.map(() => 0.5) }),
    });
    const [batch] = await collect(loader);
    expect(batch!.x[0]).toBe(0.5);
  });
});
