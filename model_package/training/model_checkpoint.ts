/**
 * Which checkpoint files to write and keep, as Lightning's ModelCheckpoint: every
 * `every_n_epochs` epochs, the best `save_top_k` by `monitor` (mode min/max; -1
 * keeps all, 0 none) under the filename template, plus `last.ckpt` when `save_last`;
 * `every_n_train_steps` also refreshes `last.ckpt` mid-epoch, so a crash loses at most N steps.
 * The Trainer supplies the function that writes one file; this class decides names
 * and deletes checkpoints that fell out of the top k.
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import type { CheckpointConfig } from './config.js';

export interface RankedCheckpoint {
  readonly file: string;
  readonly value: number;
}

export interface ModelCheckpointState {
  readonly best: RankedCheckpoint[];
}

export const LAST_CHECKPOINT = 'last.ckpt';

export class ModelCheckpoint {
  private best: RankedCheckpoint[] = [];

  constructor(
    private readonly config: CheckpointConfig,
    readonly dirpath: string,
  ) {}

  get lastPath(): string {
    return path.join(this.dirpath, LAST_CHECKPOINT);
  }

  /** Best checkpoint so far (by monitor), if any was ranked. */
  get bestPath(): string | undefined {
    return this.best[0]?.file;
  }

  get bestScore(): number | undefined {
    return this.best[0]?.value;
  }

  dueAt(epoch: number): boolean {
    return (epoch + 1) % this.config.every_n_epochs === 0;
  }

  /** Whether `last.ckpt` is due after optimizer step `step` (checkpoint.every_n_train_steps). */
  dueAtStep(step: number): boolean {
    const n = this.config.every_n_train_steps;
    return n > 0 && step > 0 && step % n === 0;
  }

  /** "epoch={epoch}-step={step}-{monitor}={value}" -> "epoch=3-step=120-val_cer=0.1250.ckpt". */
  fileName(epoch: number, step: number, metrics: Readonly<Record<string, number>>): string {
    const monitor = this.config.monitor;
    const value = metrics[monitor];
    const name = this.config.filename.replace(/\{([^}]+)\}/g, (whole, key: string) => {
      if (key === 'epoch') return String(epoch);
      if (key === 'step') return String(step);
      if (key === 'monitor') return monitor.replace(/\//g, '_');
      if (key === 'value') return value === undefined ? 'na' : value.toFixed(4);
      const m = metrics[key];
      return m === undefined ? whole : m.toFixed(4);
    });
    return `${name.replace(/[/\\]/g, '_')}.ckpt`;
  }

  /**
   * Saves what is due after epoch `epoch`; `write(file)` writes one checkpoint whose
   * callback state is taken *after* this call updated the ranking. Returns files written.
   */
  async save(epoch: number, step: number, metrics: Readonly<Record<string, number>>, write: (file: string) => Promise<void>): Promise<string[]> {
    const written: string[] = [];
    const value = metrics[this.config.monitor];
    const k = this.config.save_top_k;
    if (k !== 0 && value !== undefined && Number.isFinite(value) && this.qualifies(value)) {
      const file = path.join(this.dirpath, this.fileName(epoch, step, metrics));
      this.best = this.best.filter((b) => b.file !== file);
      this.best.push({ file, value });
      this.best.sort((a, b) => (this.config.mode === 'min' ? a.value - b.value : b.value - a.value));
      const evicted = k < 0 ? [] : this.best.splice(k);
      await write(file);
      written.push(file);
      for (const e of evicted) if (e.file !== file) await fs.rm(e.file, { force: true });
    }
    if (this.config.save_last) {
      await write(this.lastPath);
      written.push(this.lastPath);
    }
    return written;
  }

  private qualifies(value: number): boolean {
    const k = this.config.save_top_k;
    if (k < 0 || this.best.length < k) return true;
    const worst = this.best[this.best.length - 1] as RankedCheckpoint;
    return this.config.mode === 'min' ? value < worst.value : value > worst.value;
  }

  state(): ModelCheckpointState {
    return { best: this.best.map((b) => ({ ...b })) };
  }

  /**
   * Restores the ranking of a resumed run. As Lightning, only checkpoints in this
   * dirpath are kept: a resume into a new run directory must never delete (evict)
   * the files of the run it came from. Returns how many entries were dropped.
   */
  loadState(state: ModelCheckpointState | undefined): number {
    const all = state?.best ?? [];
    const here = path.resolve(this.dirpath);
    this.best = all.filter((b) => path.dirname(path.resolve(b.file)) === here).map((b) => ({ ...b }));
    return all.length - this.best.length;
  }
}
