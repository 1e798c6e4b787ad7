/**
 * safetensors files on disk (Node only): the pure container codec is in
 * safetensors.ts. Written atomically: temp file in the same directory, fsync, then
 * rename, so a crash never leaves a half-written file under the final name.
 */
import { promises as fs } from 'node:fs';
import { htrError } from '../errors.js';
import { writeFileAtomic } from '../core/atomic_write.js';
import { decodeSafetensors, encodeSafetensors, type RawTensor, type SafetensorsFile } from './safetensors.js';

export async function writeSafetensors(
  file: string,
  tensors: ReadonlyMap<string, RawTensor>,
  metadata: Record<string, string>,
): Promise<void> {
  await writeFileAtomic(file, encodeSafetensors(tensors, metadata));
}

export async function readSafetensors(file: string): Promise<SafetensorsFile> {
  let buf: Buffer;
  try {
    buf = await fs.readFile(file);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw htrError('HTR_ERR_MISSING_FILE', { file }, err);
    throw htrError('HTR_ERR_BAD_CHECKPOINT', { file, reason: (err as Error).message }, err);
  }
  return decodeSafetensors(buf, file);
}
