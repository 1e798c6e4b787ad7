/**
 * `import { loadRecognizer } from 'htr-ts'` in Node: a checkpoint (or an exported
 * inference file) from a path, URL or bytes; images as file paths or encoded bytes
 * (PNG, JPEG, WebP, TIFF...), decoded by sharp.
 */
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { htrError } from '../errors.js';
import { initBackend, type Accelerator } from '../backend/index.js';
import { decodeGray } from '../preprocess/line_image.js';
import { recognizerFromBytes } from './line_model.js';
import type { TextRecognizer } from './types.js';

export type * from './types.js';
export { HtrError, isHtrError, ERROR_CODES, type HtrErrorCode } from '../errors.js';

/** A checkpoint: a file path, a file: or http(s): URL, or its bytes. */
export type ModelSource = string | URL | ArrayBuffer | Uint8Array;
/** A line image: a file path, or encoded image bytes. */
export type NodeImage = string | Uint8Array;

export interface LoadOptions {
  /** Tensor backend (default auto: gpu, native, wasm, cpu, the first that loads). */
  readonly accelerator?: Accelerator;
  /** Where to report the backend choice (default: silent). */
  readonly log?: (message: string) => void;
}

export async function loadRecognizer(source: ModelSource, options: LoadOptions = {}): Promise<TextRecognizer<NodeImage>> {
  await initBackend({ accelerator: options.accelerator ?? 'auto', log: options.log ?? (() => {}) });
  const { bytes, label } = await readSource(source);
  return recognizerFromBytes(bytes, label, (image: NodeImage) =>
    decodeGray(typeof image === 'string' ? image : Buffer.from(image.buffer, image.byteOffset, image.byteLength)),
  );
}

async function readSource(source: ModelSource): Promise<{ bytes: Uint8Array; label: string }> {
  if (source instanceof ArrayBuffer) return { bytes: new Uint8Array(source), label: '<bytes>' };
  if (source instanceof Uint8Array) return { bytes: source, label: '<bytes>' };
  const url = source instanceof URL ? source : /^(https?|file):/i.test(source) ? new URL(source) : null;
  if (url && url.protocol !== 'file:') {
    const res = await fetch(url).catch((err: unknown) => {
      throw htrError('HTR_ERR_DOWNLOAD_FAILED', { file: url.href, reason: (err as Error).message }, err);
    });
    if (!res.ok) throw htrError('HTR_ERR_DOWNLOAD_FAILED', { file: url.href, reason: `HTTP ${res.status}` });
    return { bytes: new Uint8Array(await res.arrayBuffer()), label: url.href };
  }
  const file = url ? fileURLToPath(url) : (source as string);
  try {
    return { bytes: await readFile(file), label: file };
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw htrError('HTR_ERR_MISSING_FILE', { file }, err);
    throw htrError('HTR_ERR_BAD_CHECKPOINT', { file, reason: (err as Error).message }, err);
  }
}
