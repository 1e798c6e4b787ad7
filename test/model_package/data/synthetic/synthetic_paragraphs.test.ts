import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SyntheticParagraphs, SyntheticParagraphsConfig } from '../../../../model_package/data/synthetic/synthetic_paragraphs.js';
import { DEFAULT_TEST_FONTS } from '../../../../model_package/data/synthetic/synthetic_lines.js';
import { Tokenizer } from '../../../../model_package/core/tokenizer.js';
import { isHtrError } from '../../../../model_package/errors.js';

const cfg = (extra: Record<string, unknown> = {}) =>
  // Three training fonts keep the line pool (max_lines per font) small.
  SyntheticParagraphsConfig.parse({ num_train: 6, num_val: 2, num_test: 2, num_workers: 0, max_lines: 4, height: 140, train_fonts: ['Caveat', 'Mali', 'Zeyada'], processed_dir: mkdtempSync(join(tmpdir(), 'htr-para-')), ...extra });

describe('SyntheticParagraphs', () => {
  it('stacks lines of one font with newline-joined labels on a fixed canvas', async () => {
    const dm = new SyntheticParagraphs(cfg());
    await dm.setup('fit');
    const dc = dm.dataConfig();
    expect(dc.inputDims).toEqual([1, 140, 256]);
    expect(dc.outputDims).toEqual([4 * 31 - 1 + 2]);
    const tok = new Tokenizer(dc.mapping);
    expect(tok.has('\n')).toBe(true);
    const lines = dm['lines'].renderedLines('train');
    for (let i = 0; i < 6; i++) {
      const p = dm.paragraph('train', i);
      expect(p.image.height).toBe(140);
      expect(p.image.width).toBe(256);
      const parts = p.text.split('\n');
      expect(parts.length).toBeGreaterThanOrEqual(1);
      expect(parts.length).toBeLessThanOrEqual(4);
      const fonts = new Set(parts.map((t) => lines.find((l) => l.text === t)!.font));
      expect(fonts.size).toBe(1);
      // Ink in the rows of the stacked lines, paper below the last one.
      const rowInk = (r: number) => p.image.data.subarray(r * 256, (r + 1) * 256).reduce((a, b) => a + b, 0);
      const inkTop = Array.from({ length: 28 }, (_, r) => rowInk(r)).reduce((a, b) => a + b, 0);
      expect(inkTop).toBeGreaterThan(1);
      if (parts.length <= 3) expect(rowInk(139)).toBeLessThan(1e-6);
      // Decoding the encoded label restores the text.
      expect(tok.decode(tok.encode(p.text, dc.outputDims[0]))).toBe(p.text);
    }
    expect(dm.properties().test_fonts).toEqual(DEFAULT_TEST_FONTS);
  });

  it('is deterministic per index', async () => {
    const a = new SyntheticParagraphs(cfg({ seed: 3 }));
    await a.setup('fit');
    const p1 = a.paragraph('val', 1);
    const p2 = a.paragraph('val', 1);
    expect(p2.text).toBe(p1.text);
    expect(Array.from(p2.image.data)).toEqual(Array.from(p1.image.data));
    expect(a.paragraph('val', 0).text).not.toBe(p1.text);
  });

  it('rejects a canvas too short for max_lines', () => {
    let caught: unknown;
    try {
      new SyntheticParagraphs(cfg({ height: 100, max_lines: 4 }));
    } catch (err) {
      caught = err;
    }
    expect(isHtrError(caught, 'HTR_ERR_CONFIG_INVALID')).toBe(true);
  });
});
