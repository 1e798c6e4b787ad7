/**
 * Shared machinery of the own-data line datasets (FolderLines,
 * PageXmlLines, AltoLines): open a directory or .zip, let the format find line
 * records, split them (explicitly or group-aware at random), decode and crop
 * every image through the same path serving uses, build the vocabulary from the
 * training text, and cache the result with a report of everything skipped.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { htrError, isHtrError } from '../../errors.js';
import { decodeGray, naturalWidth, resizeGray, toFloatCanvas } from '../../preprocess/line_image.js';
import { AugmentConfig } from '../augment/config.js';
import { AugmentPool } from '../augment/augment_pool.js';
import { BaseDataConfig, BaseDataModule } from '../base_data_module.js';
import { cropPolygon } from './polygon_crop.js';
import { SPLIT_NAMES, type Discovery, type LineRecord, type SkippedSample, type SplitName } from './line_records.js';
import { countReasons, summarize, writeReport, type ImportReport } from './import_report.js';
import type { FileSource } from '../sources/file_source.js';
import { openSource } from '../sources/open_source.js';
import { GROUP_BY, groupKeyFn, splitGroups } from '../group_split.js';
import { cacheKey, withProcessedCache } from '../sources/processed_cache.js';
import { readLineStore, writeLineStore, type StoredLine } from '../sources/line_store.js';
import { buildMapping, DEFAULT_CHARACTERS, SPECIAL_TOKENS } from '../../core/tokenizer.js';
import type { DataConfig, Dataset, Gray8, Stage } from '../../core/data_types.js';

/** Bump when processing changes in a way the cache key cannot see. */
const CACHE_VERSION = 3;
/** Page images decoded at once (sharp decodes on its own threads). */
const DECODE_CONCURRENCY = 4;

export const OwnLinesConfig = BaseDataConfig.extend({
  path: z.string().optional().describe('directory or .zip archive holding the data (required)'),
  height: z.number().int().min(8).default(28).describe('line image height in pixels'),
  max_width: z.number().int().min(16).default(1024).describe('widest line in pixels at `height`; lines keep their aspect ratio (never squeezed), a wider one is skipped as too_wide'),
  max_label_length: z.number().int().positive().optional().describe('most characters per label (without <S>/<E>); default: the longest transcription'),
  max_text_length: z.number().int().positive().default(1000).describe('transcriptions longer than this many characters are skipped as too_long (a line holds far fewer; longer ones are mistakes or hostile)'),
  vocabulary: z.enum(['data', 'default']).default('data').describe('"data": characters of the training transcriptions; "default": the built-in set (to fine-tune a model trained on it)'),
  val_fraction: z.number().min(0).max(0.9).default(0.1).describe('share of lines for validation when the data gives no split'),
  test_fraction: z.number().min(0).max(0.9).default(0.1).describe('share of lines for test when the data gives no split'),
  split_seed: z.number().int().default(0).describe('seed of the random group-aware split'),
  group_by: z.enum(GROUP_BY).default('auto').describe('what stays together in one split: auto (writer, else page), none, folder, page, writer (manifest column) or regex'),
  group_pattern: z.string().optional().describe('for group_by=regex: pattern over the image file name; first capture group names the group'),
  invert: z.boolean().default(true).describe('images are dark ink on light paper (scans); false for light-on-dark'),
  crop: z.enum(['bbox', 'polygon']).default('bbox').describe('page formats: crop to the line polygon\'s box, or also paint outside the polygon as paper'),
  processed_dir: z.string().default('data/processed').describe('root of the processed-data cache (the report is written there too)'),
  augment: AugmentConfig.prefault({}).describe('train-only augmentation'),
});
export type OwnLinesConfig = z.infer<typeof OwnLinesConfig>;

interface LoadedLine extends StoredLine {
  readonly id: string;
}

export abstract class OwnLinesModule extends BaseDataModule {
  protected readonly config: OwnLinesConfig;
  private cacheDir: string | undefined;
  private report: ImportReport | undefined;
  private mapping: string[] | undefined;
  private labelLength = 1;
  private readonly pool: AugmentPool;

  protected constructor(config: OwnLinesConfig) {
    super(config);
    this.config = config;
    this.pool = new AugmentPool(config.augment, config.num_workers);
    if (config.augment.enabled) this.augment = this.pool.augment;
    if (!config.path) throw htrError('HTR_ERR_CONFIG_INVALID', { key: 'data.path', reason: 'set data.path to a directory or .zip of your data' });
    if (config.val_fraction + config.test_fraction >= 1) {
      throw htrError('HTR_ERR_CONFIG_INVALID', { key: 'data.val_fraction', reason: 'val_fraction + test_fraction must leave room for training' });
    }
  }

  /** Format name used in reports and as the cache folder. */
  protected abstract readonly formatName: string;
  /** Finds line records in the source; skips go into the returned list. */
  protected abstract discover(source: FileSource): Promise<Discovery>;
  /** Extra parameters of the format that change its output (for the cache key). */
  protected formatParams(): unknown {
    return {};
  }

  async prepareData(): Promise<void> {
    if (this.cacheDir) return;
    const c = this.config;
    const source = await openSource(c.path as string);
    let built = false;
    try {
      const params = { v: CACHE_VERSION, format: this.formatName, fp: await source.fingerprint(), own: this.formatParams(), ...c, batch_size: undefined, num_workers: undefined, shuffle_seed: undefined, processed_dir: undefined, augment: undefined };
      this.cacheDir = await withProcessedCache(this.formatName.toLowerCase(), cacheKey(params), async (tmp) => {
        built = true;
        await this.build(source, tmp);
      }, { root: c.processed_dir, verify: 'size' });
    } finally {
      await source.close();
    }
    this.report = JSON.parse(await readFile(join(this.cacheDir, 'report.json'), 'utf8')) as ImportReport;
    if (built || this.report.skipped_total > 0) process.stderr.write(`${summarize(this.report, this.reportFile())}\n`);
  }

  async setup(_stage: Stage): Promise<void> {
    if (this.splits) return;
    await this.prepareData();
    const dir = this.cacheDir as string;
    const report = this.report as ImportReport;
    this.mapping = buildMapping(report.vocabulary);
    const lines = {} as Record<SplitName, LoadedLine[]>;
    for (const s of SPLIT_NAMES) lines[s] = await readLineStore<LoadedLine>(dir, s);
    this.labelLength = this.config.max_label_length ?? Math.max(1, ...SPLIT_NAMES.flatMap((s) => lines[s].map((l) => [...l.text].length)));
    this.splits = { train: this.dataset(lines.train), val: this.dataset(lines.val), test: this.dataset(lines.test) };
  }

  dataConfig(): DataConfig {
    if (!this.mapping) throw new Error(`${this.constructor.name}: call setup() before dataConfig() (the vocabulary comes from the data)`);
    return { inputDims: [1, this.config.height, this.config.max_width], outputDims: [this.labelLength + 2], mapping: this.mapping };
  }

  override properties(): Record<string, unknown> {
    const r = this.report;
    if (!r) return super.properties();
    return {
      ...super.properties(),
      source: r.source,
      split_mode: r.split_mode,
      group_by: r.group_by,
      groups: r.groups,
      vocabulary_size: r.vocabulary.length,
      skipped_total: r.skipped_total,
      skipped_by_reason: r.skipped_by_reason,
      missing_characters: r.missing_characters,
      truncated_labels: r.truncated_labels,
      report_file: this.reportFile(),
      augment: this.config.augment.enabled,
    };
  }

  /** Ends augmentation worker threads (they never keep the process alive). */
  async close(): Promise<void> {
    await this.pool.close();
  }

  /** The human-readable report of the last import (after prepareData). */
  reportFile(): string {
    if (!this.cacheDir) throw new Error(`${this.constructor.name}: call prepareData() first`);
    return join(this.cacheDir, 'report.txt');
  }

  private async build(source: FileSource, tmp: string): Promise<void> {
    const c = this.config;
    const found = await this.discover(source);
    const skipped: SkippedSample[] = [...found.skipped, ...source.rejected().map((r) => ({ id: r.path, reason: 'unsafe_path' as const, detail: r.reason }))];
    // Before decoding: one 100,000-character label would size every label tensor.
    const records = found.records.filter((r) => {
      const length = [...r.text].length;
      if (length <= c.max_text_length) return true;
      skipped.push({ id: r.id, reason: 'too_long', detail: `${length} characters, over data.max_text_length ${c.max_text_length}` });
      return false;
    });
    // Images first, so lines that turn out unusable do not take a share of any split.
    const images = await this.loadImages(source, records, skipped);
    const { bySplit, mode, groupBy, groups } = this.assignSplits(records.filter((r) => images.has(r)));
    const loaded = {} as Record<SplitName, LoadedLine[]>;
    for (const s of SPLIT_NAMES) loaded[s] = bySplit[s].map((r) => images.get(r) as LoadedLine);
    if (loaded.train.length === 0) {
      throw htrError('HTR_ERR_BAD_DATA_FILE', { file: source.location, reason: `no usable training lines (${skipped.length} skipped; first: ${skipped[0] ? `${skipped[0].reason} ${skipped[0].id}` : 'none found'})` });
    }
    for (const s of SPLIT_NAMES) await writeLineStore(tmp, s, loaded[s]);
    skipped.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : a.reason.localeCompare(b.reason)));
    const vocabulary = this.vocabulary(loaded.train);
    const known = new Set(vocabulary);
    const missing = {} as Record<SplitName, Record<string, number>>;
    for (const s of SPLIT_NAMES) {
      missing[s] = {};
      for (const l of loaded[s]) for (const ch of l.text) if (!known.has(ch)) missing[s][ch] = (missing[s][ch] ?? 0) + 1;
    }
    const maxLen = c.max_label_length;
    const report: ImportReport = {
      data: this.constructor.name,
      source: source.location,
      split_mode: mode,
      group_by: groupBy,
      sizes: { train: loaded.train.length, val: loaded.val.length, test: loaded.test.length },
      groups,
      skipped_total: skipped.length,
      skipped_by_reason: countReasons(skipped),
      skipped,
      vocabulary,
      missing_characters: missing,
      truncated_labels: maxLen === undefined ? 0 : SPLIT_NAMES.reduce((n, s) => n + loaded[s].filter((l) => [...l.text].length > maxLen).length, 0),
    };
    await writeReport(tmp, report);
  }

  private vocabulary(train: readonly LoadedLine[]): string[] {
    if (this.config.vocabulary === 'default') return DEFAULT_CHARACTERS.slice();
    const chars = new Set<string>();
    for (const l of train) for (const ch of l.text) chars.add(ch);
    const specials = new Set<string>(SPECIAL_TOKENS);
    return [...chars].filter((ch) => !specials.has(ch)).sort();
  }

  private assignSplits(records: readonly LineRecord[]): { bySplit: Record<SplitName, LineRecord[]>; mode: 'explicit' | 'random'; groupBy: string; groups: Record<SplitName, number> } {
    const c = this.config;
    const keyOf = groupKeyFn(c.group_by, c.group_pattern, records);
    const opts = { valFraction: c.val_fraction, testFraction: c.test_fraction, seed: c.split_seed };
    let bySplit: Record<SplitName, LineRecord[]>;
    let mode: 'explicit' | 'random';
    if (records.some((r) => r.split !== undefined)) {
      mode = 'explicit';
      // Lines without a split count as training; a split the data lacks is carved from training, group-aware.
      bySplit = { train: [], val: [], test: [] };
      for (const r of records) bySplit[r.split ?? 'train'].push(r);
      const carveVal = bySplit.val.length === 0 && c.val_fraction > 0;
      const carveTest = bySplit.test.length === 0 && c.test_fraction > 0;
      if (carveVal || carveTest) {
        const carved = splitGroups(bySplit.train, keyOf, { ...opts, valFraction: carveVal ? c.val_fraction : 0, testFraction: carveTest ? c.test_fraction : 0 });
        bySplit = { train: carved.train, val: carveVal ? carved.val : bySplit.val, test: carveTest ? carved.test : bySplit.test };
      }
    } else {
      mode = 'random';
      bySplit = splitGroups(records, keyOf, opts);
    }
    const groups = {} as Record<SplitName, number>;
    for (const s of SPLIT_NAMES) groups[s] = new Set(bySplit[s].map(keyOf)).size;
    const groupBy = c.group_by === 'regex' ? `regex ${c.group_pattern ?? ''}` : c.group_by;
    return { bySplit, mode, groupBy, groups };
  }

  /** Decodes each image once, crops its lines, resizes to `height`; failures become skips. */
  private async loadImages(source: FileSource, records: readonly LineRecord[], skipped: SkippedSample[]): Promise<Map<LineRecord, LoadedLine>> {
    const c = this.config;
    const byImage = new Map<string, LineRecord[]>();
    for (const r of records) byImage.set(r.image, [...(byImage.get(r.image) ?? []), r]);
    const images = [...byImage.keys()];
    const out = new Map<LineRecord, LoadedLine>();
    const paper = c.invert ? 255 : 0;
    let next = 0;
    const worker = async () => {
      while (next < images.length) {
        const image = images[next++] as string;
        const uses = byImage.get(image) as LineRecord[];
        let gray: Gray8;
        try {
          gray = await decodeGray(await source.read(image), image);
        } catch (err) {
          if (!isHtrError(err)) throw err;
          for (const r of uses) skipped.push({ id: r.id, reason: 'unreadable_image', detail: String(err.details.reason ?? err.message) });
          continue;
        }
        for (const r of uses) {
          const crop = r.polygon ? cropPolygon(gray, r.polygon, c.crop === 'polygon', paper) : gray;
          if (!crop) {
            skipped.push({ id: r.id, reason: 'bad_coordinates', detail: `region lies outside the ${gray.width}x${gray.height} image` });
            continue;
          }
          const width = naturalWidth(crop, c.height);
          if (width > c.max_width) {
            skipped.push({ id: r.id, reason: 'too_wide', detail: `${width} px wide at height ${c.height}, over data.max_width ${c.max_width}` });
            continue;
          }
          out.set(r, { id: r.id, text: r.text, image: await resizeGray(crop, c.height, c.max_width) });
        }
      }
    };
    await Promise.all(Array.from({ length: DECODE_CONCURRENCY }, worker));
    return out;
  }

  private dataset(lines: readonly LoadedLine[]): Dataset {
    const { invert } = this.config;
    return {
      length: lines.length,
      // Same last step as preprocessLineImage: decoded, cropped, resized 8-bit -> [0,1] at the line's own width.
      get: (i) => {
        const l = lines[i] as LoadedLine;
        return { image: toFloatCanvas(l.image, l.image.width, invert), text: l.text, id: l.id };
      },
      widthOf: (i) => (lines[i] as LoadedLine).image.width,
    };
  }
}
