/**
 * `trainer.overfit_batches = N`: a DataModule decorator that serves the same first N
 * train batches (of epoch 0) as every epoch's train split and as the validation
 * split, as Lightning's overfit_batches does. The test split and everything else
 * come from the wrapped module unchanged.
 */
import type { Batch, DataConfig, DataLoader, DataModule, Stage } from '../core/data_types.js';
import { take } from './batch_plan.js';

export class OverfitData implements DataModule {
  private constructor(
    private readonly inner: DataModule,
    /** The fixed batches, collected once so every pass sees identical arrays. */
    readonly batches: readonly Batch[],
  ) {}

  /** Collects the first `n` train batches of `data` (fewer if it has fewer). */
  static async wrap(data: DataModule, n: number): Promise<OverfitData> {
    const batches: Batch[] = [];
    for await (const b of take(data.trainDataloader(0), n)) batches.push(b);
    return new OverfitData(data, batches);
  }

  prepareData(): Promise<void> {
    return this.inner.prepareData();
  }

  setup(stage: Stage): Promise<void> {
    return this.inner.setup(stage);
  }

  dataConfig(): DataConfig {
    return this.inner.dataConfig();
  }

  /** The fixed batches, whatever the epoch (no reshuffle). */
  trainDataloader(_epoch: number): DataLoader {
    return this.fixedLoader();
  }

  /** The same fixed batches: overfitting is judged on what is trained on. */
  valDataloader(): DataLoader {
    return this.fixedLoader();
  }

  testDataloader(): DataLoader {
    return this.inner.testDataloader();
  }

  properties(): Record<string, unknown> {
    return this.inner.properties();
  }

  private fixedLoader(): DataLoader {
    const batches = this.batches;
    return {
      numBatches: batches.length,
      numSamples: batches.reduce((n, b) => n + b.batchSize, 0),
      async *[Symbol.asyncIterator]() {
        yield* batches;
      },
    };
  }
}
