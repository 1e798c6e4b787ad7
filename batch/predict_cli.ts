/**
 * `run_experiment predict --ckpt_path CKPT --input <dir|glob|.zip|manifest|image> --output out.jsonl`
 *
 * Batch inference for large collections: images are read and preprocessed in
 * batches (the shared training/serving path), decoded together, and each batch
 * is appended to a JSONL file and fsync'ed, so a crash loses at most the batch
 * in flight. Re-running with the same output skips files already in it.
 * Bad files are reported (stderr and an `error` record) and skipped.
 */
import { closeSync, existsSync, fsyncSync, openSync, readFileSync, statSync, truncateSync, writeSync } from 'node:fs';
import { mkdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import picomatch from 'picomatch';
import { z } from 'zod';
import { initBackend, ACCELERATORS } from '../model_package/backend/index.js';
import { DirectorySource, type FileSource } from '../model_package/data/sources/file_source.js';
import { openSource } from '../model_package/data/sources/open_source.js';
import { htrError, isHtrError } from '../model_package/errors.js';
import { writeFileAtomic } from '../model_package/core/atomic_write.js';
import { formatDurationUnits, LiveLine, progressBar } from '../model_package/loggers/live_line.js';
import { FlagError, flagHelp, parseFlags, validateFlags } from '../model_package/config/flags.js';
import { Predictor, type BatchRecognizer, type PredictOutcome } from '../model_package/inference/predictor.js';
import type { LinePrediction } from '../model_package/inference/line_recognizer.js';
import { DECODING_CHOICES } from '../model_package/models/decoding/index.js';
import { pageXml } from '../model_package/inference/page_xml_writer.js';
import { loadRecognizerFromCheckpoint } from '../model_package/checkpoint/checkpoint.js';
import { describeLmFusion, LM_SETTINGS, loadLmFusion } from '../model_package/lm/index.js';

export const PredictCliConfig = z.strictObject({
  ckpt_path: z.string().default('models/demo/demo.ckpt').describe('checkpoint to use (default: the bundled demo model)'),
  input: z.string().describe('a folder (searched recursively), a glob ("scans/**/*.png"), a .zip, a manifest (.txt: one path per line; .jsonl: {"file": ...}) or one image'),
  output: z.string().default('predictions.jsonl').describe('JSONL output, one record per image; appended to and resumed from'),
  page_xml: z.string().optional().describe('also write one PAGE-XML file per image into this folder'),
  batch_size: z.number().int().positive().default(16).describe('images read and lines decoded per batch'),
  decoding: z.enum(DECODING_CHOICES).default('auto').describe('auto (the fastest the model supports: ctc_greedy with a CTC head, else greedy), greedy, beam, ctc_greedy, ctc_beam or joint (attention + CTC)'),
  beam_width: z.number().int().positive().default(5).describe('beams per line (beam decoding)'),
  ...LM_SETTINGS,
  mode: z.enum(['line', 'paragraph']).default('line').describe('each image is one line, or a paragraph cut into lines'),
  max_pixels: z.number().int().positive().default(50_000_000).describe('images with more pixels are reported and skipped'),
  accelerator: z.enum(ACCELERATORS).optional().describe('tensor backend (default: trainer.accelerator of the config, else auto)'),
  quiet: z.boolean().default(false).describe('no progress output'),
});
export type PredictCliConfig = z.infer<typeof PredictCliConfig>;

const IMAGE_EXT = /\.(png|jpe?g|webp|tiff?|gif|avif)$/i;
const MANIFEST_EXT = /\.(txt|lst|jsonl)$/i;

interface Io {
  readonly stdout: { write(text: string): unknown };
  readonly stderr: { write(text: string): unknown; isTTY?: boolean };
}

/** One image to transcribe: `file` is what the JSONL records (and what resume matches on). */
export interface InputItem {
  readonly file: string;
  read(): Promise<Buffer>;
}

export interface InputSet {
  readonly items: InputItem[];
  close(): Promise<void>;
}

/** Whether a relative path matches a glob: `*` and `?` stay within a folder, `**` spans folders; dotfiles match too. */
export function globMatcher(pattern: string): (relPath: string) => boolean {
  return picomatch(pattern, { dot: true });
}

function fromSource(source: FileSource, label: (rel: string) => string, filter: (rel: string) => boolean = (r) => IMAGE_EXT.test(r)): Promise<InputSet> {
  return source.list().then((files) => ({
    items: files.filter(filter).map((rel) => ({ file: label(rel), read: () => source.read(rel) })),
    close: () => source.close(),
  }));
}

/** Resolves `--input` into items, sorted, without reading any image yet. */
export async function listInputs(input: string): Promise<InputSet> {
  if (/[*?]/.test(input)) {
    const norm = input.replace(/\\/g, '/');
    const segments = norm.split('/');
    const firstWild = segments.findIndex((s) => /[*?]/.test(s));
    const base = segments.slice(0, firstWild).join('/') || '.';
    const rest = segments.slice(firstWild).join('/');
    const matches = globMatcher(rest);
    if (!existsSync(base)) throw htrError('HTR_ERR_MISSING_FILE', { file: base, key: '--input' });
    return fromSource(new DirectorySource(base), (rel) => path.posix.join(base, rel), (rel) => matches(rel) && IMAGE_EXT.test(rel));
  }
  let info;
  try {
    info = await stat(input);
  } catch (err) {
    throw htrError('HTR_ERR_MISSING_FILE', { file: input, key: '--input' }, err);
  }
  if (info.isDirectory()) return fromSource(new DirectorySource(input), (rel) => path.posix.join(input, rel));
  if (/\.zip$/i.test(input)) return fromSource(await openSource(input), (rel) => `${input}:${rel}`);
  if (MANIFEST_EXT.test(input)) return readManifest(input);
  if (IMAGE_EXT.test(input)) return { items: [{ file: input, read: () => readFile(input) }], close: async () => {} };
  throw htrError('HTR_ERR_BAD_DATA_FILE', { file: input, reason: '--input must be a folder, a glob, a .zip, a manifest (.txt/.lst/.jsonl) or an image' });
}

async function readManifest(manifest: string): Promise<InputSet> {
  const dir = path.dirname(manifest);
  const items: InputItem[] = [];
  const lines = (await readFile(manifest, 'utf8')).split(/\r?\n/);
  lines.forEach((raw, n) => {
    const line = raw.trim();
    if (!line || line.startsWith('#')) return;
    let rel = line;
    if (/\.jsonl$/i.test(manifest)) {
      let rec: unknown;
      try {
        rec = JSON.parse(line);
      } catch (err) {
        throw htrError('HTR_ERR_BAD_DATA_FILE', { file: manifest, reason: `line ${n + 1} is not JSON` }, err);
      }
      const r = rec as Record<string, unknown>;
      const f = r.file ?? r.image ?? r.path;
      if (typeof f !== 'string') throw htrError('HTR_ERR_BAD_DATA_FILE', { file: manifest, reason: `line ${n + 1} has no "file" string` });
      rel = f;
    }
    const file = path.isAbsolute(rel) ? rel : path.join(dir, rel);
    items.push({ file, read: () => readFile(file).catch((err: unknown) => Promise.reject(htrError('HTR_ERR_MISSING_FILE', { file }, err))) });
  });
  return { items, close: async () => {} };
}

/**
 * Files already in the JSONL output. A last line without its newline (a crash
 * mid-write) is cut off so the file stays valid JSONL.
 */
export function readDone(output: string): Set<string> {
  const done = new Set<string>();
  if (!existsSync(output)) return done;
  const text = readFileSync(output, 'utf8');
  const end = text.lastIndexOf('\n') + 1;
  if (end < text.length) truncateSync(output, Buffer.byteLength(text.slice(0, end)));
  for (const line of text.slice(0, end).split('\n')) {
    if (!line.trim()) continue;
    try {
      const rec = JSON.parse(line) as { file?: unknown };
      if (typeof rec.file === 'string') done.add(rec.file);
    } catch {
      // A corrupt line is left as is; its file is simply done again.
    }
  }
  return done;
}

/** Images done, rate and ETA on the shared live line (a line every 5 s when stderr is not a terminal). */
class BatchProgress {
  private readonly start = performance.now();
  private readonly live: LiveLine | undefined;
  private shownDone = -1;

  constructor(private readonly io: Io, private readonly total: number, quiet: boolean) {
    this.live = quiet ? undefined : new LiveLine({ stream: io.stderr, intervalS: 5 });
  }

  update(done: number, failed: number, final = false): void {
    if (!this.live) return;
    const line = this.line(done, failed);
    if (final) {
      // The last count goes out as a permanent line, unless a pipe just got it.
      if (this.live.tty || done !== this.shownDone) this.live.println(line);
    } else if (this.live.update(line)) {
      this.shownDone = done;
    }
  }

  /** A permanent message (a skipped file) that does not garble the live line. */
  note(message: string): void {
    if (this.live) this.live.println(message);
    else this.io.stderr.write(`${message}\n`);
  }

  private line(done: number, failed: number): string {
    const secs = (performance.now() - this.start) / 1000;
    const rate = done / Math.max(secs, 1e-6);
    const eta = (this.total - done) / Math.max(rate, 1e-9);
    const frac = this.total ? done / this.total : 1;
    return `${progressBar(frac, 24)} ${done}/${this.total} ${Math.floor(frac * 100)}% ${rate.toFixed(1)} img/s ETA ${formatDurationUnits(eta)}${failed ? ` (${failed} failed)` : ''}`;
  }
}

interface Record_ {
  file: string;
  text?: string;
  confidence?: number;
  latency_ms?: number;
  lines?: Array<{ text: string; confidence: number }>;
  error?: { code: string; message: string };
}

/** PAGE-XML path for an input: its name with .xml, zip and folder paths flattened under --page_xml. */
function pageXmlPath(dir: string, file: string): string {
  const flat = file.replace(/^[./]+/, '').replace(/[:\\/]+/g, '__');
  return path.join(dir, flat.replace(/\.[^.]+$/, '') + '.xml');
}

export async function runPredict(cfg: PredictCliConfig, io: Io, predictor: Predictor): Promise<{ done: number; failed: number; skipped: number }> {
  const inputs = await listInputs(cfg.input);
  try {
    const done = readDone(cfg.output);
    const todo = inputs.items.filter((it) => !done.has(it.file));
    const skipped = inputs.items.length - todo.length;
    if (!cfg.quiet) {
      io.stderr.write(`${inputs.items.length} images in ${cfg.input}${skipped ? `, ${skipped} already in ${cfg.output} (skipped)` : ''}, ${todo.length} to do\n`);
    }
    await mkdir(path.dirname(path.resolve(cfg.output)), { recursive: true });
    const fd = openSync(cfg.output, 'a');
    const progress = new BatchProgress(io, todo.length, cfg.quiet);
    let finished = 0;
    let failed = 0;
    try {
      for (let b = 0; b < todo.length; b += cfg.batch_size) {
        const batch = todo.slice(b, b + cfg.batch_size);
        const records = await predictBatch(batch, cfg, predictor);
        for (const r of records) {
          if (r.record.error) {
            failed++;
            progress.note(`skipped ${r.record.file}: ${r.record.error.message}`);
          } else if (cfg.page_xml && r.outcome.prediction) {
            const { layout, lines } = r.outcome.prediction;
            await writeFileAtomic(
              pageXmlPath(cfg.page_xml, r.record.file),
              pageXml({ imageFilename: path.basename(r.record.file.split(':').pop() as string), ...layout, lines }),
            );
          }
        }
        // One write + fsync per batch: the batch is either fully recorded or (after a crash) redone.
        writeSync(fd, records.map((r) => `${JSON.stringify(r.record)}\n`).join(''));
        fsyncSync(fd);
        finished += batch.length;
        progress.update(finished, failed);
      }
      progress.update(finished, failed, true);
    } finally {
      closeSync(fd);
    }
    if (!cfg.quiet) io.stderr.write(`wrote ${finished - failed} predictions${failed ? ` and ${failed} errors` : ''} to ${cfg.output}\n`);
    return { done: finished - failed, failed, skipped };
  } finally {
    await inputs.close();
  }
}

/** One pipeline call per batch; the CLI's recognizer is a plain loop over chunks of `batch_size` lines. */
async function predictBatch(batch: readonly InputItem[], cfg: PredictCliConfig, predictor: Predictor): Promise<Array<{ record: Record_; outcome: PredictOutcome }>> {
  const inChunks: BatchRecognizer = async (images, options) => {
    const out: LinePrediction[] = [];
    for (let i = 0; i < images.length; i += cfg.batch_size) out.push(...(await predictor.recognize(images.slice(i, i + cfg.batch_size), options)));
    return out;
  };
  const outcomes = await predictor.predictBatch(
    batch.map((item) => ({ image: () => item.read(), label: item.file })),
    { mode: cfg.mode, limitInputPixels: cfg.max_pixels, decoding: cfg.decoding, beamWidth: cfg.beam_width, recognize: inChunks },
  );
  return outcomes.map((outcome, i) => {
    const file = (batch[i] as InputItem).file;
    const p = outcome.prediction;
    if (!p) {
      const err = outcome.error;
      const e = isHtrError(err) ? err : htrError('HTR_ERR_BAD_IMAGE', { file, reason: err instanceof Error ? err.message : String(err) }, err);
      return { record: { file, error: { code: e.code, message: e.message } }, outcome };
    }
    const record: Record_ = {
      file,
      text: p.text,
      confidence: Number(p.confidence.toFixed(6)),
      latency_ms: Number(p.latencyMs.toFixed(2)),
      ...(cfg.mode === 'paragraph' ? { lines: p.lines.map((l) => ({ text: l.text, confidence: Number(l.confidence.toFixed(6)) })) } : {}),
    };
    return { record, outcome };
  });
}

const USAGE = 'Usage: run_experiment predict --input <dir|glob|file.zip|manifest|image> [--ckpt_path CKPT] [--output out.jsonl] [--page_xml DIR] [--batch_size N] [--decoding greedy|beam] [--mode line|paragraph]';

/** Entry point for `run_experiment predict` (config: the resolved experiment config, if any). */
export async function predictMain(config: Record<string, unknown> | undefined, argv: string[], io: Io = process): Promise<number> {
  let cfg: PredictCliConfig;
  try {
    const raw = parseFlags(PredictCliConfig, argv);
    if (raw === 'help') {
      io.stdout.write(`${USAGE}\n\n${flagHelp(PredictCliConfig)}\n`);
      return 0;
    }
    cfg = validateFlags(PredictCliConfig, raw.values);
  } catch (err) {
    if (err instanceof FlagError) {
      io.stderr.write(`${err.message}\n${USAGE}\n`);
      return 2;
    }
    throw err;
  }
  try {
    const trainer = (config?.trainer ?? {}) as { accelerator?: (typeof ACCELERATORS)[number]; num_threads?: number };
    await initBackend({ accelerator: cfg.accelerator ?? trainer.accelerator ?? 'auto', numThreads: trainer.num_threads, log: (m) => void (cfg.quiet || io.stderr.write(`${m}\n`)) });
    if (!existsSync(cfg.ckpt_path) || !statSync(cfg.ckpt_path).isFile()) throw htrError('HTR_ERR_MISSING_FILE', { file: cfg.ckpt_path, key: '--ckpt_path' });
    const recognizer = await loadRecognizerFromCheckpoint(cfg.ckpt_path);
    try {
      const lm = await loadLmFusion(cfg, recognizer.dataConfig.mapping);
      if (lm && !cfg.quiet) io.stderr.write(`${describeLmFusion(cfg.lm as string, lm)}\n`);
      await runPredict(cfg, io, new Predictor(recognizer, lm));
    } finally {
      recognizer.dispose();
    }
    return 0;
  } catch (err) {
    io.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
    return isHtrError(err) && (err.code === 'HTR_ERR_MISSING_FILE' || err.code === 'HTR_ERR_BAD_DATA_FILE') ? 2 : 1;
  }
}
