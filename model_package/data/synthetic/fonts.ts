/**
 * The handwriting fonts SyntheticLines renders with: TTF files from the
 * `@expo-google-fonts/*` packages, each named by the family in its own `name`
 * table, because Pango (behind sharp's text input) matches fonts by family and
 * silently falls back to a default font on a wrong name or on woff/woff2 files.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { htrError } from '../../errors.js';

export interface FontFace {
  /** Family name from the font's `name` table, as Pango matches it. */
  readonly family: string;
  readonly file: string;
}

/** `node_modules/@expo-google-fonts` of this checkout. */
export const DEFAULT_FONT_ROOT = fileURLToPath(new URL('../../../node_modules/@expo-google-fonts/', import.meta.url));

/** Reads the family (name id 16, else 1) from a TrueType/OpenType file; rejects woff/woff2. */
export function readFontFamily(file: string): string {
  let buf: Buffer;
  try {
    buf = readFileSync(file);
  } catch (err) {
    throw htrError('HTR_ERR_MISSING_FILE', { file }, err);
  }
  const bad = (reason: string) => htrError('HTR_ERR_BAD_DATA_FILE', { file, reason });
  if (buf.length < 12) throw bad('too short for a font file');
  const magic = buf.toString('latin1', 0, 4);
  if (magic === 'wOFF' || magic === 'wOF2') throw bad('woff/woff2 fonts are not supported by the text renderer (it silently uses a default font); use a .ttf or .otf');
  if (magic !== '\u0000\u0001\u0000\u0000' && magic !== 'OTTO' && magic !== 'true') throw bad('not a TrueType/OpenType font');
  const numTables = buf.readUInt16BE(4);
  let nameOffset = -1;
  for (let i = 0; i < numTables; i++) {
    const rec = 12 + i * 16;
    if (rec + 16 > buf.length) throw bad('truncated table directory');
    if (buf.toString('latin1', rec, rec + 4) === 'name') nameOffset = buf.readUInt32BE(rec + 8);
  }
  if (nameOffset < 0 || nameOffset + 6 > buf.length) throw bad('no name table');
  const count = buf.readUInt16BE(nameOffset + 2);
  const strings = nameOffset + buf.readUInt16BE(nameOffset + 4);
  const found = new Map<number, string>();
  for (let i = 0; i < count; i++) {
    const r = nameOffset + 6 + i * 12;
    if (r + 12 > buf.length) break;
    const platform = buf.readUInt16BE(r);
    const nameId = buf.readUInt16BE(r + 6);
    const length = buf.readUInt16BE(r + 8);
    const start = strings + buf.readUInt16BE(r + 10);
    if ((nameId !== 1 && nameId !== 16) || start + length > buf.length) continue;
    // Windows/Unicode platforms store UTF-16BE; Macintosh stores 8-bit Roman (ASCII for these fonts).
    const value = platform === 1 ? buf.toString('latin1', start, start + length) : utf16be(buf.subarray(start, start + length));
    if (platform === 3 || !found.has(nameId)) found.set(nameId, value);
  }
  const family = found.get(16) ?? found.get(1);
  if (!family) throw bad('no family name in name table');
  return family;
}

function utf16be(bytes: Buffer): string {
  let s = '';
  for (let i = 0; i + 1 < bytes.length; i += 2) s += String.fromCharCode(bytes.readUInt16BE(i));
  return s;
}

/**
 * One regular-weight face per family under `root` (`<pkg>/400Regular/*.ttf`, or
 * the first .ttf of a package without one), sorted by family so splits are stable.
 */
export function discoverFonts(root: string = DEFAULT_FONT_ROOT): FontFace[] {
  if (!existsSync(root)) throw htrError('HTR_ERR_MISSING_FILE', { file: root });
  const faces: FontFace[] = [];
  for (const pkg of readdirSync(root).sort()) {
    const file = pickTtf(join(root, pkg));
    if (file) faces.push({ family: readFontFamily(file), file });
  }
  faces.sort((a, b) => a.family.localeCompare(b.family));
  return faces;
}

function pickTtf(pkgDir: string): string | undefined {
  const regular = join(pkgDir, '400Regular');
  const dirs = existsSync(regular) ? [regular] : safeList(pkgDir).map((d) => join(pkgDir, d));
  for (const dir of dirs) {
    const ttf = safeList(dir).find((f) => f.toLowerCase().endsWith('.ttf'));
    if (ttf) return join(dir, ttf);
  }
  return undefined;
}

function safeList(dir: string): string[] {
  try {
    return readdirSync(dir).sort();
  } catch {
    return [];
  }
}

/** Faces for the given family names, failing with the known names on a typo. */
export function selectFonts(all: readonly FontFace[], families: readonly string[], key: string): FontFace[] {
  return families.map((name) => {
    const face = all.find((f) => f.family.toLowerCase() === name.toLowerCase());
    if (!face) throw htrError('HTR_ERR_CONFIG_INVALID', { key, reason: `unknown font "${name}"; available: ${all.map((f) => f.family).join(', ')}` });
    return face;
  });
}
