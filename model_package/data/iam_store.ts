/**
 * Packed crops for the processed cache: `<split>.bin` holds every 8-bit gray
 * crop back to back, `<split>.json` the id, text and size of each. One read per
 * split at setup; crops are views into that buffer.
 */
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { htrError } from '../errors.js';
import type { GrayU8 } from './iam_source.js';

export interface StoredCrop {
  readonly id: string;
  readonly text: string;
  /** 8-bit gray, paper high (as decoded); see toFloatCanvas for model input. */
  readonly image: GrayU8;
}

interface StoreIndex {
  readonly version: 1;
  readonly crops: readonly { id: string; text: string; width: number; height: number }[];
}

export async function writeCropStore(dir: string, split: string, crops: readonly StoredCrop[]): Promise<void> {
  const bin = new Uint8Array(crops.reduce((n, c) => n + c.image.width * c.image.height, 0));
  let offset = 0;
  for (const c of crops) {
    bin.set(c.image.data.subarray(0, c.image.width * c.image.height), offset);
    offset += c.image.width * c.image.height;
  }
  const index: StoreIndex = { version: 1, crops: crops.map((c) => ({ id: c.id, text: c.text, width: c.image.width, height: c.image.height })) };
  await writeFile(path.join(dir, `${split}.bin`), bin);
  await writeFile(path.join(dir, `${split}.json`), JSON.stringify(index));
}

export async function readCropStore(dir: string, split: string): Promise<StoredCrop[]> {
  const jsonFile = path.join(dir, `${split}.json`);
  const binFile = path.join(dir, `${split}.bin`);
  let index: StoreIndex;
  let bin: Buffer;
  try {
    index = JSON.parse(await readFile(jsonFile, 'utf8')) as StoreIndex;
    bin = await readFile(binFile);
  } catch (err) {
    throw htrError('HTR_ERR_BAD_DATA_FILE', { file: jsonFile, reason: err instanceof Error ? err.message : String(err) }, err);
  }
  const bytes = new Uint8Array(bin.buffer, bin.byteOffset, bin.byteLength);
  const out: StoredCrop[] = [];
  let offset = 0;
  for (const c of index.crops) {
    const size = c.width * c.height;
    if (offset + size > bytes.length) throw htrError('HTR_ERR_BAD_DATA_FILE', { file: binFile, reason: 'shorter than its index says' });
    out.push({ id: c.id, text: c.text, image: { data: bytes.subarray(offset, offset + size), width: c.width, height: c.height } });
    offset += size;
  }
  if (offset !== bytes.length) throw htrError('HTR_ERR_BAD_DATA_FILE', { file: binFile, reason: 'longer than its index says' });
  return out;
}
