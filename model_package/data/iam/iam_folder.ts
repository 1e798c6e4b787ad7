/**
 * The IAM Handwriting Database in its real layout: `xml/*.xml` forms, `forms/*.png`
 * (or fsdl's half-size `*.jpg`), and the LWITLRT split files. Parses every form's
 * handwritten lines (text + box from its word/cmp boxes) and assigns forms to
 * splits: test = testset.txt, val = validationset1 + validationset2, train = rest.
 *
 * XML parsing uses @xmldom/xmldom, which never expands DTD entities; a file that
 * does not parse is reported by name and skipped.
 */
import { readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { DOMParser, type Element } from '@xmldom/xmldom';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { htrError } from '../../errors.js';

export interface Box {
  x1: number;
  y1: number;
  x2: number;
  y2: number;
}

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

export type IamSplit = 'train' | 'val' | 'test';

export interface IamParseOptions {
  /** Pixels (XML scale) added around each line, limited by half the gap to its neighbours. */
  linePadding: number;
  /** A line's bottom is clamped to top + this (XML scale), so a crop never spans two lines. */
  maxLineHeight: number;
  corrections: IamCorrections;
}

/** Form-specific fixes, kept as data in data/iam_corrections.yaml. */
export const IamCorrectionsSchema = z.strictObject({
  uppercase_match_forms: z.array(z.string()).default([]).describe('forms whose transcriptions are all caps: match them to the machine text in upper case'),
  line_text: z.record(z.string(), z.string()).default({}).describe('line id -> corrected transcription'),
  drop_lines: z.array(z.string()).default([]).describe('line ids to drop'),
});
export type IamCorrections = z.infer<typeof IamCorrectionsSchema>;

export const DEFAULT_CORRECTIONS_FILE = path.join('data', 'iam_corrections.yaml');

export async function loadIamCorrections(file = DEFAULT_CORRECTIONS_FILE): Promise<IamCorrections> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw htrError('HTR_ERR_MISSING_FILE', { file }, err);
  }
  const parsed = IamCorrectionsSchema.safeParse(parseYaml(text) ?? {});
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw htrError('HTR_ERR_BAD_DATA_FILE', { file, reason: `${issue?.path.join('.') ?? ''}: ${issue?.message ?? 'invalid'}` });
  }
  return parsed.data;
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

/**
 * Clamps each line's bottom to top + maxLineHeight, then pads by `linePadding`
 * except that vertical padding never exceeds half the gap to the neighbouring line
 * (overlapping lines get none on that side).
 */
export function padLineBoxes(boxes: readonly Box[], opts: Pick<IamParseOptions, 'linePadding' | 'maxLineHeight'>): Box[] {
  const p = opts.linePadding;
  const clamped = boxes.map((b) => ({ ...b, y2: Math.min(b.y2, b.y1 + opts.maxLineHeight) }));
  return clamped.map((b, i) => {
    const prev = clamped[i - 1];
    const next = clamped[i + 1];
    const gapAbove = prev ? Math.max(b.y1 - prev.y2, 0) : 2 * p;
    const gapBelow = next ? Math.max(next.y1 - b.y2, 0) : 2 * p;
    return {
      x1: b.x1 - p,
      x2: b.x2 + p,
      y1: b.y1 - Math.min(p, Math.floor(gapAbove / 2)),
      y2: b.y2 + Math.min(p, Math.floor(gapBelow / 2)),
    };
  });
}

/** Union of line boxes: the paragraph region. */
export function paragraphBox(lines: readonly IamLine[]): Box {
  return lines.reduce<Box>(
    (acc, l) => ({ x1: Math.min(acc.x1, l.box.x1), y1: Math.min(acc.y1, l.box.y1), x2: Math.max(acc.x2, l.box.x2), y2: Math.max(acc.y2, l.box.y2) }),
    { x1: Infinity, y1: Infinity, x2: -Infinity, y2: -Infinity },
  );
}

/** XML-pixel box -> integer image-pixel box inside a width x height image. */
export function scaleBox(box: Box, downsample: number, width: number, height: number): Box {
  const x1 = Math.max(0, Math.min(width - 1, Math.floor(box.x1 / downsample)));
  const y1 = Math.max(0, Math.min(height - 1, Math.floor(box.y1 / downsample)));
  return {
    x1,
    y1,
    x2: Math.max(x1 + 1, Math.min(width, Math.ceil(box.x2 / downsample))),
    y2: Math.max(y1 + 1, Math.min(height, Math.ceil(box.y2 / downsample))),
  };
}

export interface SkippedForm {
  readonly file: string;
  readonly reason: string;
}

export interface IamDataset {
  readonly root: string;
  /** Parsed forms with at least one line, by id. */
  readonly forms: ReadonlyMap<string, IamForm>;
  readonly splits: Readonly<Record<IamSplit, readonly string[]>>;
  /** Form image path by id (png preferred over jpg). */
  readonly images: ReadonlyMap<string, string>;
  readonly skipped: readonly SkippedForm[];
  /** Human-readable split problems: a form in two split files, a writer in two splits. */
  readonly splitViolations: readonly string[];
}

const SPLIT_DIRS = ['', 'task', path.join('task', 'LWITLRT'), 'LWITLRT'];

/** Finds the IAM folder (the one holding xml/) at `dir` or one or two levels below. */
export async function findIamRoot(dir: string): Promise<string | undefined> {
  const isDir = (p: string) => stat(p).then((s) => s.isDirectory(), () => false);
  if (await isDir(path.join(dir, 'xml'))) return dir;
  let entries: string[] = [];
  try {
    entries = (await readdir(dir, { withFileTypes: true })).filter((e) => e.isDirectory()).map((e) => e.name).sort();
  } catch {
    return undefined;
  }
  for (const e of entries) {
    if (await isDir(path.join(dir, e, 'xml'))) return path.join(dir, e);
  }
  return undefined;
}

async function findSplitFile(root: string, name: string): Promise<string> {
  for (const d of SPLIT_DIRS) {
    const p = path.join(root, d, name);
    if (await stat(p).then((s) => s.isFile(), () => false)) return p;
  }
  throw htrError('HTR_ERR_MISSING_FILE', {
    file: path.join(root, name),
    hint: 'put the LWITLRT split files (testset.txt, validationset1.txt, validationset2.txt) in the IAM folder, task/ or task/LWITLRT/',
  });
}

/** Form ids listed in an LWITLRT file (its lines are line ids like a01-000u-00). */
export async function readSplitFormIds(file: string): Promise<Set<string>> {
  const ids = new Set<string>();
  for (const raw of (await readFile(file, 'utf8')).split(/\r?\n/)) {
    const line = raw.trim();
    if (!line || line.startsWith('#')) continue;
    const parts = line.split('-');
    if (parts.length < 2) throw htrError('HTR_ERR_BAD_DATA_FILE', { file, reason: `"${line}" is not an IAM line id` });
    ids.add(parts.slice(0, 2).join('-'));
  }
  return ids;
}

export interface LoadIamOptions extends IamParseOptions {
  /** Remove train forms whose writer also wrote val/test forms (they are always reported). */
  dropLeakingTrainForms?: boolean;
  /** Called once per skipped or suspicious file. */
  warn?: (message: string) => void;
}

/** Parses the whole IAM folder at `root`. */
export async function loadIam(root: string, opts: LoadIamOptions): Promise<IamDataset> {
  const warn = opts.warn ?? ((m: string) => process.stderr.write(`${m}\n`));
  const xmlDir = path.join(root, 'xml');
  let xmlFiles: string[];
  try {
    xmlFiles = (await readdir(xmlDir)).filter((f) => f.toLowerCase().endsWith('.xml')).sort();
  } catch (err) {
    throw htrError('HTR_ERR_MISSING_FILE', { file: xmlDir }, err);
  }
  const images = new Map<string, string>();
  try {
    for (const f of (await readdir(path.join(root, 'forms'))).sort()) {
      const m = /^(.+)\.(png|jpe?g)$/i.exec(f);
      if (!m) continue;
      const id = m[1] as string;
      // A full-size PNG wins over a half-size JPG of the same form.
      if (!images.has(id) || /png$/i.test(f)) images.set(id, path.join(root, 'forms', f));
    }
  } catch (err) {
    throw htrError('HTR_ERR_MISSING_FILE', { file: path.join(root, 'forms') }, err);
  }

  const forms = new Map<string, IamForm>();
  const skipped: SkippedForm[] = [];
  const skip = (file: string, reason: string): void => {
    skipped.push({ file, reason });
    warn(`IAM: skipping ${file}: ${reason}`);
  };
  for (const f of xmlFiles) {
    const file = path.join(xmlDir, f);
    let form: IamForm;
    try {
      form = parseIamForm(await readFile(file), file, opts);
    } catch (err) {
      skip(file, err instanceof Error ? err.message : String(err));
      continue;
    }
    if (form.lines.length === 0) skip(file, 'no handwritten line matches the machine-printed text');
    else if (!images.has(form.id)) skip(file, `no image forms/${form.id}.png or .jpg`);
    else forms.set(form.id, form);
  }

  const testIds = await readSplitFormIds(await findSplitFile(root, 'testset.txt'));
  const val1 = await readSplitFormIds(await findSplitFile(root, 'validationset1.txt'));
  const val2 = await readSplitFormIds(await findSplitFile(root, 'validationset2.txt'));
  const valIds = new Set([...val1, ...val2]); // the seed dropped val2 by mistake
  const violations: string[] = [];
  for (const id of valIds) if (testIds.has(id)) violations.push(`form ${id} is listed in both the test and a validation split (kept in test)`);

  const splitOf = (id: string): IamSplit => (testIds.has(id) ? 'test' : valIds.has(id) ? 'val' : 'train');
  const splits: Record<IamSplit, string[]> = { train: [], val: [], test: [] };
  for (const id of [...forms.keys()].sort()) splits[splitOf(id)].push(id);

  const writerSplits = new Map<string, Map<IamSplit, string[]>>();
  for (const [id, form] of forms) {
    if (!form.writer) continue;
    const bySplit = writerSplits.get(form.writer) ?? new Map<IamSplit, string[]>();
    const s = splitOf(id);
    bySplit.set(s, [...(bySplit.get(s) ?? []), id]);
    writerSplits.set(form.writer, bySplit);
  }
  for (const [writer, bySplit] of [...writerSplits].sort(([a], [b]) => a.localeCompare(b))) {
    if (bySplit.size > 1) {
      const where = [...bySplit].map(([s, ids]) => `${s}: ${ids.join(', ')}`).join('; ');
      violations.push(`writer ${writer} appears in ${bySplit.size} splits (${where})`);
    }
  }
  if (opts.dropLeakingTrainForms) {
    const heldOutWriters = new Set([...splits.val, ...splits.test].map((id) => forms.get(id)?.writer).filter(Boolean));
    const leaking = splits.train.filter((id) => heldOutWriters.has(forms.get(id)?.writer));
    if (leaking.length) {
      splits.train = splits.train.filter((id) => !leaking.includes(id));
      violations.push(`dropped ${leaking.length} train form(s) by held-out writers: ${leaking.join(', ')}`);
    }
  }
  for (const v of violations) warn(`IAM split check: ${v}`);
  return { root, forms, splits, images, skipped, splitViolations: violations };
}
