/**
 * What turns page bytes into lines: the model (a checkpoint, read through
 * `Predictor` in paragraph mode) or, for tests and queue benchmarks, a fake that
 * needs no model. A worker loads its engine once and reuses it for every page.
 *
 * `--ckpt_path` selects it:
 * - a checkpoint file: the model; its id is the file's sha256;
 * - `fake:segment`: real decoding and segmentation, each line's text made from the
 *   page hash (`p1a2b3c4d line 2`), so tests know the text to search for;
 * - `fake:noop`: no decoding at all, one empty line per page (queue overhead).
 * A `:MS` suffix on a fake (`fake:segment:200`) makes it take that long per page.
 */
import { readFile } from 'node:fs/promises';
import { existsSync, statSync } from 'node:fs';
import type { Accelerator } from '../../model_package/backend/index.js';
import { htrError, isHtrError } from '../../model_package/errors.js';
import type { Predictor } from '../../model_package/inference/predictor.js';
import { segmentLines, type LineBox } from '../../model_package/inference/segment_lines.js';
import { decodeGray } from '../../model_package/preprocess/line_image.js';
import type { LineResult, PageResult } from './page_result.js';
import { sha256 } from './page_source.js';

export interface PageInput {
  readonly label: string;
  readonly bytes: Buffer;
}

export interface PageEngine {
  readonly modelId: string;
  /** One outcome per page, in order: its result, or the error that stopped it. */
  recognize(pages: readonly PageInput[]): Promise<Array<PageResult | Error>>;
  dispose(): void;
}

export interface EngineSpec {
  readonly ckpt_path: string;
  readonly accelerator?: Accelerator;
  /** Pixels over which a page is refused (HTR_ERR_IMAGE_TOO_LARGE). */
  readonly max_pixels?: number;
}

const FAKE = /^fake:(segment|noop)(?::(\d+))?$/;

/** The model id an engine spec will have, without loading the model. */
export async function engineModelId(spec: EngineSpec): Promise<string> {
  const fake = FAKE.exec(spec.ckpt_path);
  if (fake) return `fake-${fake[1]}`;
  if (!existsSync(spec.ckpt_path) || !statSync(spec.ckpt_path).isFile()) throw htrError('HTR_ERR_MISSING_FILE', { file: spec.ckpt_path, key: '--ckpt_path' });
  return sha256(await readFile(spec.ckpt_path));
}

export async function loadEngine(spec: EngineSpec, log: (m: string) => void = () => {}): Promise<PageEngine> {
  const modelId = await engineModelId(spec);
  const fake = FAKE.exec(spec.ckpt_path);
  if (fake) return new FakeEngine(modelId, fake[1] as 'segment' | 'noop', Number(fake[2] ?? 0), spec.max_pixels);
  // Loaded on demand: tfjs is most of a worker's start-up time, and the fakes do not need it.
  const [{ initBackend }, { loadRecognizerFromCheckpoint }, { Predictor }] = await Promise.all([
    import('../../model_package/backend/index.js'),
    import('../../model_package/checkpoint/checkpoint.js'),
    import('../../model_package/inference/predictor.js'),
  ]);
  await initBackend({ accelerator: spec.accelerator ?? 'auto', log });
  const recognizer = await loadRecognizerFromCheckpoint(spec.ckpt_path);
  return new ModelEngine(modelId, new Predictor(recognizer), spec.max_pixels);
}

function asError(err: unknown, label: string): Error {
  if (err instanceof Error) return err;
  return htrError('HTR_ERR_BAD_IMAGE', { file: label, reason: String(err) });
}

/** The segmenter's box, split into the upright box and (for a skewed line) its outline. */
function boxAndPolygon(b: LineBox): Pick<LineResult, 'box' | 'polygon'> {
  return { box: { left: b.left, top: b.top, right: b.right, bottom: b.bottom }, ...(b.polygon ? { polygon: b.polygon } : {}) };
}

class ModelEngine implements PageEngine {
  constructor(readonly modelId: string, private readonly predictor: Predictor, private readonly maxPixels = 50_000_000) {}

  async recognize(pages: readonly PageInput[]): Promise<Array<PageResult | Error>> {
    const outcomes = await this.predictor.predictBatch(
      pages.map((p) => ({ image: p.bytes, label: p.label })),
      { mode: 'paragraph', limitInputPixels: this.maxPixels },
    );
    return outcomes.map((o, i) => {
      if (!o.prediction) return isHtrError(o.error) ? o.error : asError(o.error, (pages[i] as PageInput).label);
      const { layout, lines } = o.prediction;
      return {
        width: layout.width,
        height: layout.height,
        lines: lines.map((l, k) => ({ ...boxAndPolygon(layout.boxes[k] as LineBox), text: l.text, confidence: l.confidence, chars: l.chars })),
      };
    });
  }

  dispose(): void {
    this.predictor.recognizer.dispose();
  }
}

class FakeEngine implements PageEngine {
  constructor(readonly modelId: string, private readonly mode: 'segment' | 'noop', private readonly delayMs: number, private readonly maxPixels = 50_000_000) {}

  async recognize(pages: readonly PageInput[]): Promise<Array<PageResult | Error>> {
    const out: Array<PageResult | Error> = [];
    for (const page of pages) {
      if (this.delayMs) await new Promise((r) => setTimeout(r, this.delayMs));
      if (this.mode === 'noop') {
        out.push({ width: 0, height: 0, lines: [{ box: { left: 0, top: 0, right: 0, bottom: 0 }, text: '', confidence: 1, chars: [] }] });
        continue;
      }
      try {
        const gray = await decodeGray(page.bytes, page.label, this.maxPixels);
        const tag = `p${sha256(page.bytes).slice(0, 8)}`;
        const lines = segmentLines(gray).map((box, i) => {
          const text = `${tag} line ${i + 1}`;
          return { ...boxAndPolygon(box), text, confidence: 1, chars: [...text].map((char) => ({ char, p: 1 })) };
        });
        out.push({ width: gray.width, height: gray.height, lines });
      } catch (err) {
        out.push(asError(err, page.label));
      }
    }
    return out;
  }

  dispose(): void {}
}
