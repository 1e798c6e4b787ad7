/**
 * The on-disk pair both crop stores use: `<split>.json` (an index) beside
 * `<split>.bin` (the 8-bit pixels back to back). Reads both, or fails with
 * HTR_ERR_BAD_DATA_FILE naming the index.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { htrError } from '../../errors.js';

export interface SplitStoreFiles<I> {
  /** The parsed `<split>.json`, as the writer stored it (not validated here). */
  index: I;
  /** The whole `<split>.bin`. */
  bytes: Uint8Array;
  jsonFile: string;
  binFile: string;
}

export async function readSplitStore<I>(dir: string, split: string): Promise<SplitStoreFiles<I>> {
  const jsonFile = path.join(dir, `${split}.json`);
  const binFile = path.join(dir, `${split}.bin`);
  let index: I;
  let bin: Buffer;
  try {
    index = JSON.parse(await readFile(jsonFile, 'utf8')) as I;
    bin = await readFile(binFile);
  } catch (err) {
    throw htrError('HTR_ERR_BAD_DATA_FILE', { file: jsonFile, reason: err instanceof Error ? err.message : String(err) }, err);
  }
  return { index, bytes: new Uint8Array(bin.buffer, bin.byteOffset, bin.byteLength), jsonFile, binFile };
}
