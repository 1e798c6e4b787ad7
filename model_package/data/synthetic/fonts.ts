/**
 * The handwriting fonts SyntheticLines renders with: TTF files from the
 * `@expo-google-fonts/*` packages, each named by the family in its own `name`
 * table, because Pango (behind sharp's text input) matches fonts by family and
 * silently falls back to a default font on a wrong name or on woff/woff2 files.
 * It also draws a single character the font lacks in a fallback font, so
 * `missingGlyphs` reads the font's character map to catch that before rendering.
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

interface FontTables {
  readonly buf: Buffer;
  readonly tables: ReadonlyMap<string, { offset: number; length: number }>;
  readonly bad: (reason: string) => Error;
}

/** Reads a TrueType/OpenType file's table directory; rejects woff/woff2. */
function readTables(file: string): FontTables {
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
  const tables = new Map<string, { offset: number; length: number }>();
  for (let i = 0; i < numTables; i++) {
    const rec = 12 + i * 16;
    if (rec + 16 > buf.length) throw bad('truncated table directory');
    const offset = buf.readUInt32BE(rec + 8);
    const length = buf.readUInt32BE(rec + 12);
    if (offset + length > buf.length) throw bad(`table ${buf.toString('latin1', rec, rec + 4)} runs past the end of the file`);
    tables.set(buf.toString('latin1', rec, rec + 4), { offset, length });
  }
  return { buf, tables, bad };
}

/** Reads the family (name id 16, else 1) from a TrueType/OpenType file; rejects woff/woff2. */
export function readFontFamily(file: string): string {
  const { buf, tables, bad } = readTables(file);
  const nameOffset = tables.get('name')?.offset ?? -1;
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
  // Some fonts pad the name ("Sue Ellen Francisco "); fontconfig ignores the blanks when matching.
  const family = (found.get(16) ?? found.get(1))?.trim();
  if (!family) throw bad('no family name in name table');
  return family;
}

function utf16be(bytes: Buffer): string {
  let s = '';
  for (let i = 0; i + 1 < bytes.length; i += 2) s += String.fromCharCode(bytes.readUInt16BE(i));
  return s;
}

/**
 * The characters of `characters` (whitespace aside) that the font cannot draw
 * itself: no entry in its Unicode character map, or (TrueType outlines) an
 * empty glyph. Pango would draw those in a fallback font.
 */
export function missingGlyphs(file: string, characters: Iterable<string>): string[] {
  const font = readTables(file);
  const glyphOf = unicodeCmap(font);
  const hasOutline = outlineCheck(font);
  const missing: string[] = [];
  for (const ch of new Set(characters)) {
    if (ch.trim() === '') continue;
    const glyph = glyphOf(ch.codePointAt(0) as number);
    if (glyph === 0 || !hasOutline(glyph)) missing.push(ch);
  }
  return missing;
}

/** Glyph lookup through the best Unicode `cmap` subtable (format 12, else 4). */
function unicodeCmap({ buf, tables, bad }: FontTables): (codePoint: number) => number {
  const cmap = tables.get('cmap');
  if (!cmap) throw bad('no cmap table');
  const count = buf.readUInt16BE(cmap.offset + 2);
  let best: { rank: number; offset: number } | undefined;
  for (let i = 0; i < count; i++) {
    const r = cmap.offset + 4 + i * 8;
    const platform = buf.readUInt16BE(r);
    const encoding = buf.readUInt16BE(r + 2);
    const offset = cmap.offset + buf.readUInt32BE(r + 4);
    const format = buf.readUInt16BE(offset);
    const unicode = platform === 0 || (platform === 3 && (encoding === 1 || encoding === 10));
    if (!unicode || (format !== 4 && format !== 12)) continue;
    const rank = format === 12 ? 2 : 1;
    if (!best || rank > best.rank) best = { rank, offset };
  }
  if (!best) throw bad('no Unicode character map (cmap format 4 or 12)');
  const at = best.offset;
  if (buf.readUInt16BE(at) === 12) {
    const groups = buf.readUInt32BE(at + 12);
    return (cp) => {
      for (let g = 0; g < groups; g++) {
        const r = at + 16 + g * 12;
        const start = buf.readUInt32BE(r);
        if (cp >= start && cp <= buf.readUInt32BE(r + 4)) return buf.readUInt32BE(r + 8) + (cp - start);
      }
      return 0;
    };
  }
  const segs = buf.readUInt16BE(at + 6) / 2;
  const ends = at + 14;
  const starts = ends + segs * 2 + 2;
  const deltas = starts + segs * 2;
  const rangeOffsets = deltas + segs * 2;
  return (cp) => {
    if (cp > 0xffff) return 0;
    for (let s = 0; s < segs; s++) {
      if (cp > buf.readUInt16BE(ends + s * 2)) continue;
      const start = buf.readUInt16BE(starts + s * 2);
      if (cp < start) return 0;
      const delta = buf.readUInt16BE(deltas + s * 2);
      const ro = buf.readUInt16BE(rangeOffsets + s * 2);
      if (ro === 0) return (cp + delta) & 0xffff;
      const g = buf.readUInt16BE(rangeOffsets + s * 2 + ro + (cp - start) * 2);
      return g === 0 ? 0 : (g + delta) & 0xffff;
    }
    return 0;
  };
}

/** For TrueType outlines, whether a glyph has any contour data; CFF fonts are trusted. */
function outlineCheck({ buf, tables }: FontTables): (glyph: number) => boolean {
  const head = tables.get('head');
  const loca = tables.get('loca');
  const maxp = tables.get('maxp');
  if (!head || !loca || !maxp || !tables.has('glyf')) return () => true;
  const long = buf.readInt16BE(head.offset + 50) === 1;
  const numGlyphs = buf.readUInt16BE(maxp.offset + 4);
  const offsetOf = (g: number) => (long ? buf.readUInt32BE(loca.offset + g * 4) : buf.readUInt16BE(loca.offset + g * 2) * 2);
  return (g) => g < numGlyphs && offsetOf(g + 1) > offsetOf(g);
}

/**
 * One regular-weight face per family under `root` (`<pkg>/400Regular/*.ttf`,
 * else the first .ttf in the package or one folder down), sorted by family so
 * splits are stable.
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
  // Older packages keep `<Name>_400Regular.ttf` at the package root.
  const dirs = existsSync(regular) ? [regular] : [pkgDir, ...safeList(pkgDir).map((d) => join(pkgDir, d))];
  for (const dir of dirs) {
    const ttfs = safeList(dir).filter((f) => f.toLowerCase().endsWith('.ttf'));
    const ttf = ttfs.find((f) => f.includes('400Regular')) ?? ttfs[0];
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
