/**
 * What every own-data format reader produces: line records (an image,
 * optionally a region of it, and its transcription) and the samples it had to
 * skip, each with a reason a user can act on.
 */

export type SplitName = 'train' | 'val' | 'test';
export const SPLIT_NAMES: readonly SplitName[] = ['train', 'val', 'test'];

export type SkipReason =
  | 'missing_transcription'
  | 'missing_image'
  | 'empty_transcription'
  | 'unreadable_image'
  | 'malformed_row'
  | 'malformed_xml'
  | 'bad_coordinates'
  | 'too_wide'
  | 'too_long'
  | 'invalid_utf8'
  | 'unsafe_path';

export interface SkippedSample {
  /** File (and line id) the sample came from. */
  readonly id: string;
  readonly reason: SkipReason;
  readonly detail?: string;
}

export interface LineRecord {
  /** Stable id: the image path, or `<xml path>#<line id>` for page formats. */
  readonly id: string;
  /** Image path inside the source. */
  readonly image: string;
  readonly text: string;
  /** Region of the image in its pixel coordinates (page formats); absent = whole image. */
  readonly polygon?: readonly (readonly [number, number])[];
  /** Split given by the data (folder name, manifest column or file); absent = random. */
  readonly split?: SplitName;
  /** Writer id when the data names one (manifest `writer` column). */
  readonly writer?: string;
  /** The document a line belongs to: page XML file, or the image itself. */
  readonly page: string;
}

export interface Discovery {
  readonly records: LineRecord[];
  readonly skipped: SkippedSample[];
}

export const IMAGE_EXTENSIONS = ['.png', '.jpg', '.jpeg', '.tif', '.tiff'] as const;

export function isImagePath(p: string): boolean {
  const lower = p.toLowerCase();
  return IMAGE_EXTENSIONS.some((ext) => lower.endsWith(ext));
}

/** Path without its (image) extension. */
export function stripExtension(p: string): string {
  const slash = p.lastIndexOf('/');
  const dot = p.lastIndexOf('.');
  return dot > slash + 1 ? p.slice(0, dot) : p;
}

export function dirnamePosix(p: string): string {
  const i = p.lastIndexOf('/');
  return i < 0 ? '' : p.slice(0, i);
}

export function basenamePosix(p: string): string {
  return p.slice(p.lastIndexOf('/') + 1);
}

/** Joins and normalizes ("a/b", "../c.png" -> "a/c.png"); undefined if it climbs above the root. */
export function joinPosix(dir: string, rel: string): string | undefined {
  const parts = rel.startsWith('/') ? [] : dir.split('/').filter(Boolean);
  for (const seg of rel.replace(/\\/g, '/').split('/')) {
    if (seg === '' || seg === '.') continue;
    if (seg === '..') {
      if (parts.length === 0) return undefined;
      parts.pop();
    } else parts.push(seg);
  }
  return parts.join('/');
}

const SPLIT_ALIASES: Readonly<Record<string, SplitName>> = {
  train: 'train',
  training: 'train',
  trn: 'train',
  val: 'val',
  valid: 'val',
  validation: 'val',
  dev: 'val',
  test: 'test',
  testing: 'test',
  tst: 'test',
};

/** Split named by a word ("training", "Validation", "test"), else undefined. */
export function splitFromName(name: string | undefined): SplitName | undefined {
  return name === undefined ? undefined : SPLIT_ALIASES[name.trim().toLowerCase()];
}

/** Split named by the first folder of a path (train/, val/, test/ and aliases). */
export function splitFromPath(p: string): SplitName | undefined {
  const first = p.split('/')[0];
  return p.includes('/') ? splitFromName(first) : undefined;
}

/** A line's transcription: BOM dropped, surrounding whitespace trimmed, inner line breaks become spaces. */
export function cleanTranscription(raw: string): string {
  return raw.replace(/^\uFEFF/, '').trim().replace(/\s*[\r\n]+\s*/g, ' ');
}

const UTF8 = new TextDecoder('utf-8', { fatal: true });

/** Strict UTF-8 decoding: undefined for bytes that are not UTF-8 (a Latin-1 file would otherwise turn into U+FFFD). */
export function decodeUtf8(bytes: Uint8Array): string | undefined {
  try {
    return UTF8.decode(bytes);
  } catch {
    return undefined;
  }
}
