import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { discoverFonts, readFontFamily, selectFonts } from '../../../../model_package/data/synthetic/fonts.js';
import { rendersAsFallback, assertFontIsUsed, fontDescription } from '../../../../model_package/data/synthetic/render/font_text.js';
import { isHtrError } from '../../../../model_package/errors.js';

describe('handwriting fonts', () => {
  const fonts = discoverFonts();

  it('finds the bundled TTF families by their real names', () => {
    const names = fonts.map((f) => f.family);
    for (const name of ['Caveat', 'Indie Flower', 'Kalam', 'Patrick Hand', 'Shadows Into Light', 'Homemade Apple', 'Reenie Beanie', 'Dancing Script', 'Gloria Hallelujah', 'Rock Salt', 'Nanum Pen', 'Covered By Your Grace']) {
      expect(names).toContain(name);
    }
    for (const f of fonts) expect(f.file).toMatch(/\.ttf$/);
  });

  it('renders every font in its own glyphs, never the fallback font', async () => {
    for (const f of fonts) expect(await rendersAsFallback(f), f.family).toBe(false);
  });

  it('detects a fallback render (wrong family name), so the check above can fail', async () => {
    const caveat = fonts.find((f) => f.family === 'Caveat')!;
    expect(await rendersAsFallback({ family: 'Caveat Misspelt', file: caveat.file })).toBe(true);
    await expect(assertFontIsUsed({ family: 'Caveat Misspelt', file: caveat.file })).rejects.toThrow(/renders as the fallback font/);
  });

  it('ends the family list with a comma so Pango does not read "Light" as a weight', () => {
    expect(fontDescription({ family: 'Shadows Into Light', file: 'x.ttf' }, 40)).toBe('Shadows Into Light, 40');
  });

  it('rejects woff/woff2 and non-font files with a named error', () => {
    const dir = mkdtempSync(join(tmpdir(), 'htr-fonts-'));
    const woff2 = join(dir, 'a.woff2');
    writeFileSync(woff2, Buffer.concat([Buffer.from('wOF2'), Buffer.alloc(40)]));
    expect(() => readFontFamily(woff2)).toThrow(/woff/);
    const junk = join(dir, 'b.ttf');
    writeFileSync(junk, 'not a font at all');
    let caught: unknown;
    try {
      readFontFamily(junk);
    } catch (err) {
      caught = err;
    }
    expect(isHtrError(caught, 'HTR_ERR_BAD_DATA_FILE')).toBe(true);
  });

  it('names the available fonts on a typo', () => {
    expect(() => selectFonts(fonts, ['Cavaet'], 'data.train_fonts')).toThrow(/unknown font "Cavaet".*Caveat/);
  });
});
