import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { discoverFonts, missingGlyphs, readFontFamily, selectFonts } from '../../../../model_package/data/synthetic/fonts.js';
import { DEFAULT_TEST_FONTS, DEFAULT_TRAIN_FONTS, DEFAULT_VAL_FONTS, LINE_CHARACTERS, SyntheticLines, SyntheticLinesConfig } from '../../../../model_package/data/synthetic/synthetic_lines.js';
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

  it('finds packages that keep the TTF at their root, and trims padded family names', () => {
    const names = fonts.map((f) => f.family);
    expect(names).toContain('Handlee'); // @expo-google-fonts/handlee 0.2.x: Handlee_400Regular.ttf at the root
    expect(names).toContain('Sue Ellen Francisco'); // its name table says "Sue Ellen Francisco "
    expect(fonts.length).toBeGreaterThanOrEqual(30);
  });

  it('has a fixed split of at least 30 fonts: 4+ test and 3+ val fonts, none shared', () => {
    const splits = [DEFAULT_TRAIN_FONTS, DEFAULT_VAL_FONTS, DEFAULT_TEST_FONTS];
    expect(DEFAULT_TEST_FONTS.length).toBeGreaterThanOrEqual(4);
    expect(DEFAULT_VAL_FONTS.length).toBeGreaterThanOrEqual(3);
    const all = splits.flat();
    expect(all.length).toBeGreaterThanOrEqual(30);
    expect(new Set(all).size).toBe(all.length);
    // Every family is installed, so selecting them cannot fail on a fresh checkout.
    for (const names of splits) expect(selectFonts(fonts, names, 'fonts').map((f) => f.family)).toEqual(names);
  });

  it('every default font has a glyph of its own for each line character', () => {
    for (const f of selectFonts(fonts, [...DEFAULT_TRAIN_FONTS, ...DEFAULT_VAL_FONTS, ...DEFAULT_TEST_FONTS], 'fonts')) {
      expect(missingGlyphs(f.file, LINE_CHARACTERS), f.family).toEqual([]);
    }
  });

  it('a character missing from the character map is exactly what Pango draws in the fallback font', async () => {
    const nanum = fonts.find((f) => f.family === 'Nanum Pen')!;
    expect(missingGlyphs(nanum.file, [...'eé€ '])).toEqual(['é', '€']);
    expect(await rendersAsFallback(nanum, 'é')).toBe(true);
    expect(await rendersAsFallback(nanum, 'e')).toBe(false);
  });

  it('refuses a font whose glyphs are empty, naming the split and the characters', () => {
    const dir = mkdtempSync(join(tmpdir(), 'htr-fonts-'));
    const put = (pkg: string, family: string) => {
      mkdirSync(join(dir, pkg, '400Regular'), { recursive: true });
      const file = join(dir, pkg, '400Regular', `${pkg}.ttf`);
      copyFileSync(fonts.find((f) => f.family === family)!.file, file);
      return file;
    };
    put('kalam', 'Kalam');
    put('indie', 'Indie Flower');
    const broken = put('caveat', 'Caveat');
    // Zero the glyph location table: every glyph of this Caveat copy has no outline.
    const buf = readFileSync(broken);
    for (let i = 0; i < buf.readUInt16BE(4); i++) {
      const rec = 12 + i * 16;
      if (buf.toString('latin1', rec, rec + 4) === 'loca') buf.fill(0, buf.readUInt32BE(rec + 8), buf.readUInt32BE(rec + 8) + buf.readUInt32BE(rec + 12));
    }
    writeFileSync(broken, buf);
    expect(missingGlyphs(broken, ['a', '#', ' '])).toEqual(['a', '#']);
    const config = SyntheticLinesConfig.parse({ font_dir: dir, train_fonts: ['Caveat'], val_fonts: ['Kalam'], test_fonts: ['Indie Flower'], num_workers: 0 });
    let caught: unknown;
    try {
      new SyntheticLines(config);
    } catch (err) {
      caught = err;
    }
    expect(isHtrError(caught, 'HTR_ERR_CONFIG_INVALID')).toBe(true);
    expect(String(caught)).toMatch(/data\.train_fonts.*"Caveat" has no glyph for "0"/);
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
