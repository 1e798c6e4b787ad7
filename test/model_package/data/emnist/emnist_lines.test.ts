import { describe, expect, it } from 'vitest';
import { EMNIST_CLASSES } from '../../../../model_package/data/emnist/emnist.js';
import { EMNISTLines, EMNISTLines2, EMNISTLines2Config, EMNISTLinesConfig } from '../../../../model_package/data/emnist/emnist_lines.js';
import { Tokenizer } from '../../../../model_package/core/tokenizer.js';
import { isHtrError } from '../../../../model_package/errors.js';
import { tempDir } from '../own/own_fixtures.js';
import { fakeLooseFiles } from './emnist_fixtures.js';

const raw = fakeLooseFiles();
const base = { raw_dir: raw, num_train: 12, num_val: 4, num_test: 4 };

describe('EMNISTLines', () => {
  it('builds 28 px lines of corpus text from EMNIST characters of the matching split', async () => {
    const dm = new EMNISTLines(EMNISTLinesConfig.parse({ ...base, overlap: [0, 0], processed_dir: tempDir('htr-el-') }));
    await dm.setup('fit');
    const dc = dm.dataConfig();
    expect(dc.inputDims).toEqual([1, 28, 32 * 28]);
    expect(dc.outputDims).toEqual([34]);
    const tok = new Tokenizer(dc.mapping);
    const sets = dm['sets']!;
    for (const split of ['train', 'test'] as const) {
      for (let i = 0; i < 4; i++) {
        const s = dm.line(split, i);
        expect(s.image.height).toBe(28);
        expect(s.text.length).toBeGreaterThan(0);
        expect(s.text.length).toBeLessThanOrEqual(32);
        for (const ch of s.text) expect(tok.has(ch)).toBe(true);
        // With no overlap, cell j holds an exact EMNIST sample of character j from this split (blank for a space).
        [...s.text].forEach((ch, j) => {
          const cell = Array.from({ length: 28 * 28 }, (_, p) => s.image.data[Math.floor(p / 28) * s.image.width + j * 28 + (p % 28)]!);
          if (ch === ' ') {
            expect(Math.max(...cell)).toBe(0);
            return;
          }
          const k = EMNIST_CLASSES.indexOf(ch);
          const set = sets[split];
          const matches = Array.from({ length: set.count }, (_, n) => n).filter((n) => set.labels[n] === k && cell.every((v, p) => Math.abs(v - set.images[n * 784 + p]! / 255) < 1e-6));
          expect(matches.length).toBeGreaterThan(0);
        });
      }
    }
  });

  it('overlaps characters by up to a third of their width and is deterministic', async () => {
    const dm = new EMNISTLines(EMNISTLinesConfig.parse({ ...base, processed_dir: tempDir('htr-el-') }));
    await dm.setup('fit');
    let narrower = 0;
    for (let i = 0; i < 12; i++) {
      const s = dm.line('train', i);
      const again = dm.line('train', i);
      expect(again.text).toBe(s.text);
      expect(Array.from(again.image.data)).toEqual(Array.from(s.image.data));
      // Ink ends no further right than n characters at zero overlap, and no earlier than at 0.33.
      let last = -1;
      for (let x = 0; x < s.image.width; x++) for (let y = 0; y < 28; y++) if (s.image.data[y * s.image.width + x]! > 0) last = x;
      const n = s.text.length;
      expect(last).toBeLessThan(n * 28);
      if (last < (n - 1) * 28) narrower++;
    }
    expect(narrower).toBeGreaterThan(0);
  });
});

describe('EMNISTLines2', () => {
  it('is taller, scales and shifts characters, and augments training batches only', async () => {
    const dm = new EMNISTLines2(EMNISTLines2Config.parse({ ...base, max_length: 10, batch_size: 4, processed_dir: tempDir('htr-el2-') }));
    await dm.setup('fit');
    const [, h, w] = dm.dataConfig().inputDims;
    expect(h).toBe(56);
    expect(w).toBe(42 * 10);
    const s = dm.line('val', 0);
    expect(s.image.height).toBe(56);
    let changed = 0;
    for await (const b of dm.trainDataloader(0)) {
      b.ids.forEach((id, k) => {
        const index = Number(id.split('-').pop());
        const raw = dm.line('train', index).image.data;
        const got = b.x.subarray(k * h * w, (k + 1) * h * w);
        if (got.some((v, p) => Math.abs(v - raw[p]!) > 1e-6)) changed++;
      });
    }
    expect(changed).toBeGreaterThan(6);
    for await (const b of dm.valDataloader()) {
      expect(Array.from(b.x.subarray(0, h * w))).toEqual(Array.from(dm.line('val', 0).image.data));
      break;
    }
    await dm.close();
  });

  it('rejects widths too narrow for max_length characters', () => {
    let err: unknown;
    try {
      new EMNISTLines(EMNISTLinesConfig.parse({ ...base, width: 100 }));
    } catch (e) {
      err = e;
    }
    expect(isHtrError(err, 'HTR_ERR_CONFIG_INVALID')).toBe(true);
  });
});
