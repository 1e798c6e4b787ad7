/**
 * Runs augmentation on `numWorkers` worker threads so it keeps pace with
 * training (0 = inline on the main thread). The seed of each image is drawn
 * from the caller's RNG at call time, so results do not depend on which worker
 * ran first: pooled and inline output are identical.
 *
 * Workers are spawned lazily and unref'd while idle, so an open pool never keeps
 * the process alive; `close()` ends them.
 */
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { Rng } from '../../core/rng.js';
import type { Augment, GrayImage } from '../../core/data_types.js';
import { augmentImage } from './augment_image.js';
import type { AugmentConfig } from './config.js';
import type { AugmentTask } from './augment_worker.js';

interface Pending {
  resolve: (img: GrayImage) => void;
  reject: (err: unknown) => void;
}

interface Slot {
  worker: Worker;
  busy: number;
}

export class AugmentPool {
  private slots: Slot[] = [];
  private readonly pending = new Map<number, Pending & { slot: Slot }>();
  private nextId = 0;
  private next = 0;
  /** Images augmented so far (for throughput reports). */
  count = 0;

  constructor(
    private readonly config: AugmentConfig,
    readonly numWorkers: number,
  ) {}

  /** The `Augment` to hand to a data loader. */
  readonly augment: Augment = (image: GrayImage, rng: Rng) => {
    const seed = Math.floor(rng.next() * 4294967296);
    return this.run(image, seed);
  };

  run(image: GrayImage, seed: number): Promise<GrayImage> | GrayImage {
    this.count++;
    if (this.numWorkers <= 0 || !this.config.enabled) return augmentImage(image, this.config, seed);
    const slot = this.pickSlot();
    const id = this.nextId++;
    // Copy: the caller's image may live in a shared cache and must not be transferred away.
    const data = new Float32Array(image.data);
    const task: AugmentTask = { id, seed, width: image.width, height: image.height, data };
    return new Promise<GrayImage>((resolve, reject) => {
      this.pending.set(id, { resolve, reject, slot });
      if (slot.busy++ === 0) slot.worker.ref();
      slot.worker.postMessage(task, [data.buffer as ArrayBuffer]);
    });
  }

  async close(): Promise<void> {
    const slots = this.slots;
    this.slots = [];
    await Promise.all(slots.map((s) => s.worker.terminate()));
  }

  private pickSlot(): Slot {
    while (this.slots.length < this.numWorkers) this.slots.push(this.spawn());
    // Least busy worker, round-robin among ties.
    let best = this.slots[this.next % this.slots.length] as Slot;
    for (const s of this.slots) if (s.busy < best.busy) best = s;
    this.next++;
    return best;
  }

  private spawn(): Slot {
    const worker = spawnWorker(this.config);
    const slot: Slot = { worker, busy: 0 };
    worker.unref();
    worker.on('message', (msg: { id: number; data: Float32Array; width: number; height: number }) => {
      const p = this.pending.get(msg.id);
      if (!p) return;
      this.pending.delete(msg.id);
      if (--slot.busy === 0) worker.unref();
      p.resolve({ data: msg.data, width: msg.width, height: msg.height });
    });
    const fail = (err: unknown): void => {
      for (const [id, p] of this.pending) {
        if (p.slot !== slot) continue;
        this.pending.delete(id);
        p.reject(err);
      }
      this.slots = this.slots.filter((s) => s !== slot);
    };
    worker.on('error', fail);
    worker.on('exit', (code) => {
      if (code !== 0) fail(new Error(`augmentation worker exited with code ${code}`));
      else this.slots = this.slots.filter((s) => s !== slot);
    });
    return slot;
  }
}

/** Workers are TypeScript under tsx/vitest: boot tsx's loader inside the worker first. */
function spawnWorker(config: AugmentConfig): Worker {
  const isTs = import.meta.url.endsWith('.ts');
  const entry = new URL(`./augment_worker${isTs ? '.ts' : '.js'}`, import.meta.url);
  if (!isTs) return new Worker(entry, { workerData: config });
  const require = createRequire(import.meta.url);
  const tsxApi = pathToFileURL(join(dirname(require.resolve('tsx/package.json')), 'dist/esm/api/index.mjs')).href;
  const boot = `import(${JSON.stringify(tsxApi)}).then(({ tsImport }) => tsImport(${JSON.stringify(entry.href)}, ${JSON.stringify(import.meta.url)})).catch((err) => { console.error(err); process.exit(1); });`;
  return new Worker(boot, { eval: true, workerData: config });
}
