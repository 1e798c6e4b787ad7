/**
 * Text -> ink map through sharp's text input (libvips + Pango). Two traps it
 * guards against: Pango reads trailing words of a font description as style
 * ("Shadows Into Light 40" asks for family "Shadows Into" in weight Light), and
 * an unknown family or unreadable font silently renders in a default font.
 */
import sharp from 'sharp';
import { htrError } from '../../../errors.js';
import type { FontFace } from '../fonts.js';
import { inkFromChannels, type InkMap } from './ink_ops.js';

/** Escapes the characters Pango markup treats specially. */
export function escapeMarkup(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&apos;');
}

export interface GlyphOffset {
  /** Baseline shift in pixels (positive raises it). */
  readonly rise: number;
  /** Extra space after the glyph in pixels. */
  readonly letterSpacing: number;
}

export interface WordStyle extends GlyphOffset {
  /** Per-glyph offsets added to the word's (jitter); the word moves as one without them. */
  readonly glyphs?: readonly GlyphOffset[];
}

/**
 * Pango markup for `text` with per-word (and optionally per-glyph) baseline
 * and spacing. Units are 1/1024 pt; at 72 dpi one point is one pixel. Pango
 * shifts each span after shaping, so joined scripts stay joined.
 */
export function lineMarkup(text: string, wordStyle: (wordIndex: number) => WordStyle): string {
  const span = (s: GlyphOffset, content: string) => `<span rise="${Math.round(s.rise * 1024)}" letter_spacing="${Math.round(s.letterSpacing * 1024)}">${escapeMarkup(content)}</span>`;
  return text
    .split(' ')
    .map((word, i) => {
      if (word === '') return '';
      const s = wordStyle(i);
      if (!s.glyphs) return span(s, word);
      return [...word].map((ch, k) => {
        const g = s.glyphs?.[k] ?? { rise: 0, letterSpacing: 0 };
        return span({ rise: s.rise + g.rise, letterSpacing: s.letterSpacing + g.letterSpacing }, ch);
      }).join('');
    })
    .join(' ');
}

/** The font description Pango parses unambiguously: the comma ends the family list. */
export function fontDescription(face: FontFace, sizePx: number): string {
  return `${face.family}, ${Math.max(1, Math.round(sizePx))}`;
}

/** Renders Pango markup in `face` at `sizePx` pixels; ink high. */
export async function renderMarkup(markup: string, face: FontFace, sizePx: number): Promise<InkMap> {
  const { data, info } = await sharp({
    text: { text: markup, font: fontDescription(face, sizePx), fontfile: face.file, dpi: 72, rgba: false },
  })
    .raw()
    .toBuffer({ resolveWithObject: true });
  return inkFromChannels(new Uint8Array(data.buffer, data.byteOffset, data.byteLength), info.width, info.height, info.channels);
}

/** A family no font has, so Pango must use its fallback for it. */
const FALLBACK_PROBE: FontFace = { family: 'Htr Fallback Probe Nonexistent', file: '' };
const PROBE_TEXT = 'Handwriting 1776? Qgjy';

/** True if rendering `text` in `face` gives exactly the fallback font's pixels. */
export async function rendersAsFallback(face: FontFace, text: string = PROBE_TEXT): Promise<boolean> {
  const probe = escapeMarkup(text);
  const [mine, fallback] = await Promise.all([
    renderMarkup(probe, face, 32),
    sharp({ text: { text: probe, font: fontDescription(FALLBACK_PROBE, 32), dpi: 72, rgba: false } })
      .raw()
      .toBuffer({ resolveWithObject: true })
      .then(({ data, info }) => inkFromChannels(new Uint8Array(data), info.width, info.height, info.channels)),
  ]);
  if (mine.width !== fallback.width || mine.height !== fallback.height) return false;
  for (let i = 0; i < mine.data.length; i++) if (mine.data[i] !== fallback.data[i]) return false;
  return true;
}

const verified = new Set<string>();

/** Throws unless `face` really renders in its own glyphs (checked once per process and font). */
export async function assertFontIsUsed(face: FontFace): Promise<void> {
  const key = `${face.family}\u0000${face.file}`;
  if (verified.has(key)) return;
  if (await rendersAsFallback(face)) {
    throw htrError('HTR_ERR_BAD_DATA_FILE', { file: face.file, reason: `font family "${face.family}" renders as the fallback font (wrong family name, or not a TTF/OTF file)` });
  }
  verified.add(key);
}
