import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { CheckpointConfig } from '../../../model_package/training/config.js';
import { ModelCheckpoint } from '../../../model_package/training/model_checkpoint.js';

const touch = async (file: string) => writeFileSync(file, 'x');

describe('ModelCheckpoint', () => {
  it('keeps the top k by mode and deletes the ones that fall out', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'htr-topk-'));
    const mc = new ModelCheckpoint(CheckpointConfig.parse({ monitor: 'val/cer', mode: 'max', save_top_k: 2, save_last: false, filename: 'e{epoch}' }), dir);
    for (const [epoch, cer] of [[0, 0.5], [1, 0.7], [2, 0.6], [3, 0.1]] as const) await mc.save(epoch, epoch, { 'val/cer': cer }, touch);
    expect(mc.state().best.map((b) => path.basename(b.file))).toEqual(['e1.ckpt', 'e2.ckpt']);
    expect(['e0', 'e1', 'e2', 'e3'].map((e) => existsSync(path.join(dir, `${e}.ckpt`)))).toEqual([false, true, true, false]);
  });

  it('saves only last.ckpt when the monitored metric is missing, and honours every_n_epochs', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'htr-last-'));
    const mc = new ModelCheckpoint(CheckpointConfig.parse({ every_n_epochs: 2 }), dir);
    expect([0, 1, 2, 3].map((e) => mc.dueAt(e))).toEqual([false, true, false, true]);
    expect(await mc.save(1, 10, {}, touch)).toEqual([path.join(dir, 'last.ckpt')]);
  });

  it('on resume into another directory, never evicts the earlier run\'s files', async () => {
    const oldDir = mkdtempSync(path.join(tmpdir(), 'htr-old-'));
    const old = new ModelCheckpoint(CheckpointConfig.parse({ save_top_k: 1, save_last: false }), oldDir);
    await old.save(0, 4, { 'val/cer': 0.5 }, touch);
    const oldFile = old.bestPath!;
    const fresh = new ModelCheckpoint(CheckpointConfig.parse({ save_top_k: 1, save_last: false }), mkdtempSync(path.join(tmpdir(), 'htr-new-')));
    expect(fresh.loadState(old.state())).toBe(1);
    await fresh.save(1, 8, { 'val/cer': 0.2 }, touch);
    expect(existsSync(oldFile)).toBe(true);
    // Same directory: the ranking carries over and the worse file is evicted.
    const same = new ModelCheckpoint(CheckpointConfig.parse({ save_top_k: 1, save_last: false }), oldDir);
    expect(same.loadState(old.state())).toBe(0);
    await same.save(1, 8, { 'val/cer': 0.2 }, touch);
    expect(existsSync(oldFile)).toBe(false);
  });
});
