/**
 * One IAM form XML: its handwritten lines (text + box from the word/cmp boxes),
 * kept from the first to the last line found in the machine-printed text.
 *
 * XML parsing uses @xmldom/xmldom, which never expands DTD entities; a file that
 * does not parse is an HTR_ERR_MALFORMED_XML naming it.
 */
import path from 'node:path';
import { DOMParser, type Element } from '@xmldom/xmldom';
import { htrError } from '../../errors.js';
import type { IamCorrections } from './iam_corrections.js';
import { padLineBoxes, type Box, type LineBoxOptions } from './iam_geometry.js';

export interface IamLine {
  /** IAM line id, e.g. a01-000u-03. */
  readonly id: string;
  readonly text: string;
  /** Padded, clamped line region in XML (full-size scan) pixels. */
  readonly box: Box;
}

export interface IamForm {
  readonly id: string;
  readonly writer: string;
  /** Size of the scan in XML pixels (the image may be smaller: downsample). */
  readonly width: number;
  readonly height: number;
  readonly lines: readonly IamLine[];
}

export interface IamParseOptions extends LineBoxOptions {
  corrections: IamCorrections;
}

const ENTITY: Record<string, string> = { quot: '"', amp: '&', apos: "'", lt: '<', gt: '>' };

/**
 * IAM escapes quotes twice (`&amp;quot;`), so after XML decoding the text still
 * holds `&quot;`; decode the predefined and numeric entities once more.
 */
export function decodeIamText(text: string): string {
  return text.replace(/&(#x[0-9a-f]+|#\d+|quot|amp|apos|lt|gt);/gi, (m, name: string) => {
    const n = name.toLowerCase();
    if (n.startsWith('#x')) return String.fromCodePoint(parseInt(n.slice(2), 16));
    if (n.startsWith('#')) return String.fromCodePoint(parseInt(n.slice(1), 10));
    return ENTITY[n] ?? m;
  });
}

const normalize = (s: string): string => s.replace(/\s+/g, ' ').trim();

/** Decodes bytes honouring the XML declaration's encoding (IAM uses ISO-8859-1). */
function decodeXmlBytes(bytes: Buffer): string {
  const head = bytes.subarray(0, 200).toString('latin1');
  const enc = /encoding=["']([\w-]+)["']/i.exec(head)?.[1]?.toLowerCase();
  return enc && /^(iso-8859-1|latin-?1|windows-1252)$/.test(enc) ? bytes.toString('latin1') : bytes.toString('utf8');
}

function parseXml(text: string, file: string): Element {
  let problem: string | undefined;
  let doc;
  try {
    doc = new DOMParser({
      onError: (level, message) => {
        if (level === 'warning') return;
        problem ??= message;
        throw new Error(message); // stop parsing at the first error
      },
    }).parseFromString(text, 'text/xml');
  } catch (err) {
    throw htrError('HTR_ERR_MALFORMED_XML', { file, reason: problem ?? (err instanceof Error ? err.message : String(err)) }, err);
  }
  const root = doc.documentElement;
  if (!root || root.nodeName !== 'form') throw htrError('HTR_ERR_MALFORMED_XML', { file, reason: 'root element is not <form>' });
  return root;
}

function children(el: Element, name: string): Element[] {
  const out: Element[] = [];
  for (let n = el.firstChild; n; n = n.nextSibling) if (n.nodeType === 1 && n.nodeName === name) out.push(n as Element);
  return out;
}

function intAttr(el: Element, name: string, file: string): number {
  const v = Number(el.getAttribute(name));
  if (!Number.isFinite(v)) throw htrError('HTR_ERR_MALFORMED_XML', { file, reason: `<${el.nodeName}> has no numeric ${name}` });
  return v;
}

/** Parses one form XML (bytes or text); `file` names it in errors. */
export function parseIamForm(xml: Buffer | string, file: string, opts: IamParseOptions): IamForm {
  const root = parseXml(typeof xml === 'string' ? xml : decodeXmlBytes(xml), file);
  const id = root.getAttribute('id') ?? path.basename(file, '.xml');
  const writer = root.getAttribute('writer-id') ?? '';
  const width = intAttr(root, 'width', file);
  const height = intAttr(root, 'height', file);
  const machine = children(root, 'machine-printed-part')
    .flatMap((p) => children(p, 'machine-print-line'))
    .map((l) => decodeIamText(l.getAttribute('text') ?? ''))
    .join(' ');
  const upper = opts.corrections.uppercase_match_forms.includes(id);
  const key = (s: string): string => (upper ? normalize(s).toUpperCase() : normalize(s));
  const machineKey = key(machine);

  const raw = children(root, 'handwritten-part')
    .flatMap((p) => children(p, 'line'))
    .map((line) => {
      const lineId = line.getAttribute('id') ?? '';
      const text = normalize(opts.corrections.line_text[lineId] ?? decodeIamText(line.getAttribute('text') ?? ''));
      const cmps = children(line, 'word').flatMap((w) => children(w, 'cmp'));
      let box: Box | undefined;
      for (const c of cmps) {
        const x = intAttr(c, 'x', file);
        const y = intAttr(c, 'y', file);
        const x2 = x + intAttr(c, 'width', file);
        const y2 = y + intAttr(c, 'height', file);
        box = box ? { x1: Math.min(box.x1, x), y1: Math.min(box.y1, y), x2: Math.max(box.x2, x2), y2: Math.max(box.y2, y2) } : { x1: x, y1: y, x2, y2 };
      }
      return { id: lineId, text, box };
    });

  // Keep the lines from the first to the last that appear in the machine-printed
  // text: this drops scribbles such as a copied "Sentence Database P02-109" header.
  const matches = raw.map((l) => l.text.length > 0 && machineKey.includes(key(l.text)));
  const first = matches.indexOf(true);
  const last = matches.lastIndexOf(true);
  const kept = first < 0 ? [] : raw.slice(first, last + 1);
  const usable = kept.filter(
    (l): l is { id: string; text: string; box: Box } => l.box !== undefined && l.text.length > 0 && !opts.corrections.drop_lines.includes(l.id),
  );
  const boxes = padLineBoxes(usable.map((l) => l.box), opts);
  return { id, writer, width, height, lines: usable.map((l, i) => ({ id: l.id, text: l.text, box: boxes[i] as Box })) };
}
