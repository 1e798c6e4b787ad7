/**
 * What both platforms share once the bytes are in memory: checkpoint bytes ->
 * model, 8-bit gray image -> model input (gray_pixels.ts) -> text.
 */
import * as tf from '@tensorflow/tfjs-core';
import { htrError } from '../errors.js';
import type { Gray8 } from '../core/data_types.js';
import { decodeCheckpoint, recognizerFromCheckpoint } from '../checkpoint/checkpoint_format.js';
import { DECODE_MODE_NAMES, resolveDecoding, supportedModes, type Decoding } from '../models/decoding/registry.js';
import { LineRecognizer } from '../inference/line_recognizer.js';
import { grayToLine } from '../preprocess/gray_pixels.js';
import type { ModelInfo, Recognition, RecognizeOptions, TextRecognizer } from './types.js';

/** Builds a recognizer from checkpoint (or exported) bytes; `toGray` decodes one platform image. */
export function recognizerFromBytes<Image>(
  bytes: Uint8Array,
  label: string,
  toGray: (image: Image) => Promise<Gray8>,
): TextRecognizer<Image> {
  const model = recognizerFromCheckpoint(decodeCheckpoint(bytes, label));
  const lines = new LineRecognizer(model);
  const info: ModelInfo = {
    height: lines.height,
    maxWidth: lines.width,
    vocabulary: lines.tokenizer.mapping,
    decodeModes: supportedModes(model),
    autoDecoding: resolveDecoding(model, 'auto'),
    backend: tf.getBackend(),
  };
  let disposed = false;
  return {
    info,
    async recognize(image: Image, options: RecognizeOptions = {}): Promise<Recognition> {
      if (disposed) throw new Error('this recognizer was disposed');
      const decoding = checkDecoding(options.decoding ?? 'auto', info.decodeModes);
      const gray = await toGray(image);
      const input = grayToLine(gray, { height: lines.height, width: lines.width, label: describe(image) });
      const [line] = await lines.recognize([input], { decoding: resolveDecoding(model, decoding), beamWidth: options.beamWidth ?? 5 });
      if (!line) throw new Error('no prediction for the line');
      return { text: line.text, confidence: line.confidence, chars: line.chars };
    },
    dispose() {
      if (!disposed) model.dispose();
      disposed = true;
    },
  };
}

function checkDecoding(decoding: Decoding, supported: readonly string[]): Decoding {
  if (decoding === 'auto' || supported.includes(decoding)) return decoding;
  const known = (DECODE_MODE_NAMES as readonly string[]).includes(decoding);
  const why = known ? `"${decoding}" needs a CTC head, which this model lacks` : `unknown decoding ${JSON.stringify(decoding)}`;
  throw htrError('HTR_ERR_BAD_REQUEST', { reason: `${why}; use one of auto, ${supported.join(', ')}` });
}

function describe(image: unknown): string {
  if (typeof image === 'string') return image;
  const name = (image as { name?: unknown } | null)?.name;
  return typeof name === 'string' ? name : '<image>';
}
