/**
 * The IAM Handwriting Database in its real layout: `xml/*.xml` forms, `forms/*.png`
 * (or fsdl's half-size `*.jpg`), and the LWITLRT split files. Parses every form
 * (iam_form.ts) and assigns forms to splits: test = testset.txt,
 * val = validationset1 + validationset2, train = rest. A form that does not parse
 * is reported by name and skipped.
 */
import { readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { htrError } from '../../errors.js';
import { parseIamForm, type IamForm, type IamParseOptions } from './iam_form.js';

export type IamSplit = 'train' | 'val' | 'test';

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
