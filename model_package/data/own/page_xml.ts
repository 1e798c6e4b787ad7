/**
 * PAGE-XML (Transkribus, eScriptorium, OCR-D exports) -> text lines. Each
 * `TextLine` gives a polygon (`Coords@points`) and its text (`TextEquiv/Unicode`
 * of the line, or its `Word`s joined by spaces). Elements are matched by local
 * name, so the 2010-2019 namespace versions all read the same.
 */
import { DOMParser, type Element, type Node } from '@xmldom/xmldom';
import { htrError } from '../../errors.js';

export interface PageLine {
  readonly id: string;
  readonly polygon: readonly (readonly [number, number])[];
  readonly text: string;
}

export interface PageDocument {
  /** `Page@imageFilename` (or ALTO's sourceImageInformation/fileName) as written in the file. */
  readonly imageFilename: string | undefined;
  readonly lines: readonly PageLine[];
  /** Lines that could not be used, with why (no coordinates, no text element). */
  readonly problems: readonly { id: string; reason: 'bad_coordinates' | 'empty_transcription'; detail: string }[];
}

/** Parses XML, turning any parser error into HTR_ERR_MALFORMED_XML naming `file`. */
export function parseXml(text: string, file: string): Element {
  const errors: string[] = [];
  let root: Element | null;
  try {
    const doc = new DOMParser({ onError: (level, msg) => { if (level !== 'warning') errors.push(msg); } }).parseFromString(text, 'text/xml');
    root = doc.documentElement;
  } catch (err) {
    throw htrError('HTR_ERR_MALFORMED_XML', { file, reason: err instanceof Error ? err.message.split('\n')[0] : String(err) }, err);
  }
  if (errors.length > 0 || !root) throw htrError('HTR_ERR_MALFORMED_XML', { file, reason: errors[0] ?? 'no root element' });
  return root;
}

/** Child elements of `el` with local name `name` (direct children only). */
export function children(el: Element, name: string): Element[] {
  const out: Element[] = [];
  for (let n = el.firstChild; n; n = n.nextSibling) {
    if (n.nodeType === 1 && (n as Element).localName === name) out.push(n as Element);
  }
  return out;
}

/** Element nesting deeper than this is refused as malformed (real PAGE/ALTO files nest under 20 levels). */
export const MAX_XML_DEPTH = 256;

/**
 * All descendants of `el` with local name `name`, in document order. Walks with
 * an explicit stack, and a file nested deeper than MAX_XML_DEPTH is an
 * HTR_ERR_MALFORMED_XML naming `file`, so one hostile file cannot overflow the stack.
 */
export function descendants(el: Element, name: string, file = '<xml>'): Element[] {
  const out: Element[] = [];
  const stack: Array<{ node: Node | null; depth: number }> = [{ node: el.firstChild, depth: 1 }];
  while (stack.length > 0) {
    const top = stack[stack.length - 1] as { node: Node | null; depth: number };
    const n = top.node;
    if (!n) {
      stack.pop();
      continue;
    }
    top.node = n.nextSibling;
    if (n.nodeType !== 1) continue;
    if ((n as Element).localName === name) out.push(n as Element);
    if (n.firstChild) {
      if (top.depth >= MAX_XML_DEPTH) throw htrError('HTR_ERR_MALFORMED_XML', { file, reason: `elements nested more than ${MAX_XML_DEPTH} deep` });
      stack.push({ node: n.firstChild, depth: top.depth + 1 });
    }
  }
  return out;
}

/** "x1,y1 x2,y2 ..." (PAGE) or "x1 y1 x2 y2 ..." / "x1,y1,x2,y2" (ALTO) -> points; undefined if unusable. */
export function parsePoints(points: string | null): [number, number][] | undefined {
  if (!points) return undefined;
  const nums = points.trim().split(/[\s,]+/).filter(Boolean).map(Number);
  if (nums.length < 4 || nums.length % 2 !== 0 || nums.some((v) => !Number.isFinite(v))) return undefined;
  const out: [number, number][] = [];
  for (let i = 0; i < nums.length; i += 2) out.push([nums[i] as number, nums[i + 1] as number]);
  return out;
}

/** Text of the first `TextEquiv` child (lowest @index wins when several are given). */
function textEquiv(el: Element): string | undefined {
  const equivs = children(el, 'TextEquiv');
  if (equivs.length === 0) return undefined;
  const ranked = equivs
    .map((e, i) => ({ e, rank: e.hasAttribute('index') ? Number(e.getAttribute('index')) : i }))
    .sort((a, b) => a.rank - b.rank);
  const unicode = children(ranked[0]!.e, 'Unicode')[0];
  return unicode ? (unicode.textContent ?? '') : undefined;
}

export function parsePageXml(text: string, file: string): PageDocument {
  const root = parseXml(text, file);
  if (root.localName !== 'PcGts') throw htrError('HTR_ERR_MALFORMED_XML', { file, reason: `root element is <${root.localName}>, not PAGE <PcGts>` });
  const page = children(root, 'Page')[0];
  if (!page) throw htrError('HTR_ERR_MALFORMED_XML', { file, reason: 'no <Page> element' });
  const lines: PageLine[] = [];
  const problems: PageDocument['problems'][number][] = [];
  descendants(page, 'TextLine', file).forEach((line, n) => {
    const id = line.getAttribute('id') || `line${n + 1}`;
    const coords = children(line, 'Coords')[0];
    const polygon = coords ? parsePoints(coords.getAttribute('points')) : undefined;
    if (!polygon) {
      problems.push({ id, reason: 'bad_coordinates', detail: coords ? `unusable Coords@points "${coords.getAttribute('points') ?? ''}"` : 'no <Coords>' });
      return;
    }
    let lineText = textEquiv(line);
    if (lineText === undefined || lineText.trim() === '') {
      const words = children(line, 'Word').map((w) => textEquiv(w) ?? '').filter((w) => w.trim() !== '');
      if (words.length > 0) lineText = words.join(' ');
    }
    if (lineText === undefined || lineText.trim() === '') {
      problems.push({ id, reason: 'empty_transcription', detail: 'no TextEquiv/Unicode text' });
      return;
    }
    lines.push({ id, polygon, text: lineText });
  });
  const imageFilename = page.getAttribute('imageFilename') || undefined;
  return { imageFilename, lines, problems };
}
