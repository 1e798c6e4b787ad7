/**
 * SyntheticParagraphs: stacks of SyntheticLines, like fsdl's synthetic IAM
 * paragraphs. Paragraph i of a split takes 1..max_lines rendered lines of one
 * font (one "writer") from that split's line pool, stacks them top-down with
 * random gaps and indents on a fixed canvas (so text scale never changes), and
 * joins their labels with "\n". The line pool is rendered and cached once by
 * SyntheticLines; paragraphs are composed on demand, deterministically.
 */
import { z } from 'zod';
import { htrError } from '../../errors.js';
import { toFloatCanvas } from '../../preprocess/line_image.js';
import { Rng } from '../../core/rng.js';
import { BaseDataModule } from '../base_data_module.js';
import { mixSeed, type RenderedLine } from './render/synthetic_line_source.js';
import { SPLIT_SALT, SyntheticLines, SyntheticLinesConfig, type SplitName } from './synthetic_lines.js';
import type { DataConfig, Dataset, Gray8, Sample, Stage } from '../../core/data_types.js';

export const SyntheticParagraphsConfig = SyntheticLinesConfig.omit({ augment: true, max_width: true }).extend({
  height: z.number().int().min(8).default(256).describe('paragraph image height in pixels'),
  width: z.number().int().min(16).default(256).describe('paragraph image width in pixels'),
  line_height: z.number().int().min(8).default(28).describe('height of each stacked line in pixels'),
  max_length: z.number().int().min(1).default(30).describe('most characters per line'),
  min_lines: z.number().int().min(1).default(1).describe('fewest lines per paragraph'),
  max_lines: z.number().int().min(1).default(7).describe('most lines per paragraph'),
  line_gap: z.tuple([z.number().int().min(0), z.number().int().min(0)]).default([0, 6]).describe('paper rows between lines: [min, max]'),
  max_indent: z.number().int().min(0).default(8).describe('largest left indent of a line in pixels'),
  num_train: z.number().int().min(1).default(1000).describe('training paragraphs'),
  num_val: z.number().int().min(1).default(100).describe('validation paragraphs'),
  num_test: z.number().int().min(1).default(100).describe('test paragraphs'),
  lines_per_paragraph_pool: z.number().positive().default(2).describe('rendered lines in each split pool per paragraph (lines are reused across paragraphs)'),
});
export type SyntheticParagraphsConfig = z.infer<typeof SyntheticParagraphsConfig>;

const PARAGRAPH_SALT = 0x2545f491;

export class SyntheticParagraphs extends BaseDataModule {
  private readonly config: SyntheticParagraphsConfig;
  private readonly lines: SyntheticLines;

  constructor(config: SyntheticParagraphsConfig) {
    super(config);
    this.config = config;
    const c = config;
    if (c.min_lines > c.max_lines) throw htrError('HTR_ERR_CONFIG_INVALID', { key: 'data.min_lines', reason: `min_lines ${c.min_lines} > max_lines ${c.max_lines}` });
    if (c.line_gap[0] > c.line_gap[1]) throw htrError('HTR_ERR_CONFIG_INVALID', { key: 'data.line_gap', reason: 'min gap exceeds max gap' });
    const need = c.max_lines * (c.line_height + c.line_gap[1]);
    if (need > c.height) throw htrError('HTR_ERR_CONFIG_INVALID', { key: 'data.height', reason: `${c.max_lines} lines of ${c.line_height} px with gaps up to ${c.line_gap[1]} px need ${need} px` });
    if (c.max_indent >= c.width - 16) throw htrError('HTR_ERR_CONFIG_INVALID', { key: 'data.max_indent', reason: `indent ${c.max_indent} leaves no room in width ${c.width}` });
    // Enough lines that every font can fill a paragraph without repeating a line.
    const fonts = Math.max(c.train_fonts.length, c.val_fonts.length, c.test_fonts.length);
    const pool = (n: number) => Math.max(c.max_lines * fonts, Math.ceil(n * c.lines_per_paragraph_pool));
    this.lines = new SyntheticLines(
      SyntheticLinesConfig.parse({
        ...pickLineKeys(c),
        height: c.line_height,
        max_width: c.width - c.max_indent,
        num_train: pool(c.num_train),
        num_val: pool(c.num_val),
        num_test: pool(c.num_test),
      }),
    );
  }

  async prepareData(): Promise<void> {
    await this.lines.prepareData();
  }

  async setup(stage: Stage): Promise<void> {
    if (this.splits) return;
    await this.lines.setup(stage);
    const c = this.config;
    this.splits = {
      train: this.dataset('train', c.num_train),
      val: this.dataset('val', c.num_val),
      test: this.dataset('test', c.num_test),
    };
  }

  dataConfig(): DataConfig {
    const c = this.config;
    // Every line at full length plus the newlines between them, plus <S> and <E>.
    const maxLabel = c.max_lines * (c.max_length + 1) - 1;
    return { inputDims: [1, c.height, c.width], outputDims: [maxLabel + 2], mapping: this.lines.dataConfig().mapping };
  }

  override properties(): Record<string, unknown> {
    const p = this.lines.properties();
    return {
      ...super.properties(),
      train_fonts: p.train_fonts,
      val_fonts: p.val_fonts,
      test_fonts: p.test_fonts,
      line_pool_sizes: { train: p.train_size, val: p.val_size, test: p.test_size },
      ...(p.cache_dir !== undefined ? { cache_dir: p.cache_dir } : {}),
    };
  }

  /** Paragraph `index` of `split`: the same lines, gaps and indents on every call. */
  paragraph(split: SplitName, index: number): Sample {
    const c = this.config;
    const pool = this.lines.renderedLines(split);
    const rng = new Rng(mixSeed(c.seed, SPLIT_SALT[split] ^ PARAGRAPH_SALT, index));
    // One font per paragraph, like one writer per page.
    const first = pool[rng.int(0, pool.length - 1)] as RenderedLine;
    const others = rng.shuffle(pool.filter((l) => l.font === first.font && l !== first));
    const count = Math.min(rng.int(c.min_lines, c.max_lines), others.length + 1);
    const chosen = [first, ...others.slice(0, count - 1)];
    const canvas = new Uint8Array(c.height * c.width).fill(255);
    let y = rng.int(0, c.line_gap[1]);
    for (const line of chosen) {
      blit(canvas, c.width, line.image, rng.int(0, c.max_indent), y);
      y += line.image.height + rng.int(c.line_gap[0], c.line_gap[1]);
    }
    const image = toFloatCanvas({ data: canvas, width: c.width, height: c.height }, c.width, true);
    return { image, text: chosen.map((l) => l.text).join('\n'), id: `synthetic-paragraph-${split}-${index}` };
  }

  private dataset(split: SplitName, length: number): Dataset {
    return { length, get: (i) => this.paragraph(split, i) };
  }
}

/**
 * Copies a scan onto the white canvas (clipped), keeping the darker pixel. The
 * line's own paper tone is lifted to white first, so the page shows no boxes.
 */
function blit(canvas: Uint8Array, canvasWidth: number, img: Gray8, x0: number, y0: number): void {
  const canvasHeight = canvas.length / canvasWidth;
  const paper = Math.max(1, percentile(img.data, 0.9));
  for (let r = 0; r < img.height && y0 + r < canvasHeight; r++) {
    for (let col = 0; col < img.width && x0 + col < canvasWidth; col++) {
      const i = (y0 + r) * canvasWidth + x0 + col;
      const v = Math.min(255, Math.round(((img.data[r * img.width + col] as number) * 255) / paper));
      canvas[i] = Math.min(canvas[i] as number, v);
    }
  }
}

function percentile(data: Uint8Array, q: number): number {
  const counts = new Uint32Array(256);
  for (const v of data) counts[v] = (counts[v] as number) + 1;
  let seen = 0;
  for (let v = 0; v < 256; v++) {
    seen += counts[v] as number;
    if (seen >= q * data.length) return v;
  }
  return 255;
}

/** The SyntheticLines settings a paragraph config carries (everything but its own keys). */
function pickLineKeys(c: SyntheticParagraphsConfig): Record<string, unknown> {
  const own = new Set(['height', 'width', 'line_height', 'min_lines', 'max_lines', 'line_gap', 'max_indent', 'num_train', 'num_val', 'num_test', 'lines_per_paragraph_pool']);
  return Object.fromEntries(Object.entries(c).filter(([k]) => !own.has(k)));
}
