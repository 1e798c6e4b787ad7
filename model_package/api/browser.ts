/**
 * `import { loadRecognizer } from 'htr-ts'` in a browser (the package's "browser"
 * export): the same API as in Node; the model runs on wasm (or cpu) in the page, and
 * nothing is uploaded.
 */
import { htrError } from '../errors.js';
import { initBrowserBackend, type BrowserBackend } from '../backend/browser_backend.js';
import { browserImageToGray, type BrowserImage } from './browser_image.js';
import { recognizerFromBytes } from './line_model.js';
import type { TextRecognizer } from './types.js';

export type * from './types.js';
export type { BrowserImage, BrowserBackend };
export { HtrError, isHtrError, ERROR_CODES, type HtrErrorCode } from '../errors.js';

/** A checkpoint: a URL (absolute or relative to the page), its bytes, or a Blob/File (e.g. from `input[type=file]`). */
export type ModelSource = string | URL | ArrayBuffer | Uint8Array | Blob;

export interface LoadOptions {
  /** Tensor backend (default auto: wasm, else cpu). */
  readonly backend?: BrowserBackend;
  /** URL prefix (ending in "/") of tfjs-backend-wasm's .wasm files; default: the page's folder. */
  readonly wasmPath?: string;
}

export async function loadRecognizer(source: ModelSource, options: LoadOptions = {}): Promise<TextRecognizer<BrowserImage>> {
  await initBrowserBackend(options);
  const { bytes, label } = await readSource(source);
  return recognizerFromBytes(bytes, label, browserImageToGray);
}

async function readSource(source: ModelSource): Promise<{ bytes: Uint8Array; label: string }> {
  if (source instanceof ArrayBuffer) return { bytes: new Uint8Array(source), label: '<bytes>' };
  if (source instanceof Uint8Array) return { bytes: source, label: '<bytes>' };
  if (source instanceof Blob) return { bytes: new Uint8Array(await source.arrayBuffer()), label: source instanceof File ? source.name : '<blob>' };
  const url = new URL(source, typeof document !== 'undefined' ? document.baseURI : location.href);
  const res = await fetch(url).catch((err: unknown) => {
    throw htrError('HTR_ERR_DOWNLOAD_FAILED', { file: url.href, reason: (err as Error).message }, err);
  });
  if (!res.ok) throw htrError('HTR_ERR_DOWNLOAD_FAILED', { file: url.href, reason: `HTTP ${res.status}` });
  return { bytes: new Uint8Array(await res.arrayBuffer()), label: url.href };
}
