/**
 * The safetensors container (https://huggingface.co/docs/safetensors): 8 bytes of
 * little-endian u64 header length N, N bytes of JSON header, then raw little-endian
 * tensor data. The header maps each tensor name to {dtype, shape, data_offsets:
 * [begin, end)} relative to the data section, plus an optional "__metadata__"
 * object of string -> string. Written atomically: temp file in the same
 * directory, fsync, then rename, so a crash never leaves a half-written file
 * under the final name.
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { htrError } from '../errors.js';
import { writeFileAtomic } from '../core/atomic_write.js';

export type SafeDtype = 'F32' | 'I32';

export interface RawTensor {
  readonly dtype: SafeDtype;
  readonly shape: readonly number[];
  readonly data: Float32Array | Int32Array;
}

export interface SafetensorsFile {
  readonly tensors: Map<string, RawTensor>;
  readonly metadata: Record<string, string>;
}

const MAX_HEADER = 100 * 1024 * 1024;

/** Serializes to bytes; tensors are laid out in insertion order. */
export function encodeSafetensors(tensors: ReadonlyMap<string, RawTensor>, metadata: Record<string, string>): Buffer {
  const header: Record<string, unknown> = { __metadata__: metadata };
  let offset = 0;
  for (const [name, t] of tensors) {
    if (name === '__metadata__') throw new Error('"__metadata__" is reserved');
    const bytes = t.data.byteLength;
    if (t.data.length !== t.shape.reduce((a, b) => a * b, 1)) throw new Error(`tensor ${name}: ${t.data.length} values for shape [${t.shape.join(',')}]`);
    header[name] = { dtype: t.dtype, shape: t.shape, data_offsets: [offset, offset + bytes] };
    offset += bytes;
  }
  let json = JSON.stringify(header);
  // Pad with spaces so the data section starts 8-byte aligned, as the reference writer does.
  json += ' '.repeat((8 - ((8 + Buffer.byteLength(json)) % 8)) % 8);
  const headerBytes = Buffer.from(json, 'utf8');
  const out = Buffer.alloc(8 + headerBytes.length + offset);
  out.writeBigUInt64LE(BigInt(headerBytes.length), 0);
  headerBytes.copy(out, 8);
  let pos = 8 + headerBytes.length;
  for (const t of tensors.values()) {
    const src = Buffer.from(t.data.buffer, t.data.byteOffset, t.data.byteLength);
    if (!littleEndian()) swap32(src);
    src.copy(out, pos);
    pos += t.data.byteLength;
  }
  return out;
}

/** Parses and validates bytes; `file` names the source in errors. */
export function decodeSafetensors(buf: Buffer, file: string): SafetensorsFile {
  const bad = (reason: string) => htrError('HTR_ERR_BAD_CHECKPOINT', { file, reason });
  if (buf.length < 8) throw bad(`file is ${buf.length} bytes, too short for the 8-byte header length (truncated?)`);
  const n = buf.readBigUInt64LE(0);
  if (n > BigInt(Math.min(MAX_HEADER, buf.length - 8))) {
    throw bad(`header length ${n} exceeds the ${buf.length - 8} bytes after it (truncated or not a safetensors file)`);
  }
  const headerEnd = 8 + Number(n);
  let header: unknown;
  try {
    header = JSON.parse(buf.subarray(8, headerEnd).toString('utf8'));
  } catch (err) {
    throw bad(`header is not valid JSON (${(err as Error).message})`);
  }
  if (typeof header !== 'object' || header === null || Array.isArray(header)) throw bad('header is not a JSON object');
  const dataLen = buf.length - headerEnd;
  const metadata: Record<string, string> = {};
  const tensors = new Map<string, RawTensor>();
  let covered = 0;
  for (const [name, spec] of Object.entries(header as Record<string, unknown>)) {
    if (name === '__metadata__') {
      if (typeof spec !== 'object' || spec === null) throw bad('__metadata__ is not an object');
      for (const [k, v] of Object.entries(spec)) {
        if (typeof v !== 'string') throw bad(`__metadata__.${k} is not a string`);
        metadata[k] = v;
      }
      continue;
    }
    const s = spec as { dtype?: unknown; shape?: unknown; data_offsets?: unknown };
    if (s.dtype !== 'F32' && s.dtype !== 'I32') throw bad(`tensor "${name}" has unsupported dtype ${JSON.stringify(s.dtype)} (F32 and I32 are supported)`);
    if (!Array.isArray(s.shape) || !s.shape.every((d) => Number.isInteger(d) && d >= 0)) throw bad(`tensor "${name}" has an invalid shape`);
    const off = s.data_offsets;
    if (!Array.isArray(off) || off.length !== 2 || !off.every((o) => Number.isInteger(o) && o >= 0) || off[0] > off[1]) {
      throw bad(`tensor "${name}" has invalid data_offsets`);
    }
    const [begin, end] = off as [number, number];
    const count = (s.shape as number[]).reduce((a, b) => a * b, 1);
    if (end - begin !== count * 4) throw bad(`tensor "${name}" spans ${end - begin} bytes but shape [${(s.shape as number[]).join(',')}] needs ${count * 4}`);
    if (end > dataLen) throw bad(`tensor "${name}" ends at byte ${end} of a ${dataLen}-byte data section (truncated)`);
    // Copy into an aligned buffer: the data section need not be 4-byte aligned in memory.
    const bytes = Buffer.from(buf.subarray(headerEnd + begin, headerEnd + end));
    if (!littleEndian()) swap32(bytes);
    const ab = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength);
    const data = s.dtype === 'F32' ? new Float32Array(ab) : new Int32Array(ab);
    tensors.set(name, { dtype: s.dtype, shape: s.shape as number[], data });
    covered += end - begin;
  }
  if (covered !== dataLen) throw bad(`data section has ${dataLen} bytes but tensors cover ${covered}`);
  return { tensors, metadata };
}

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

function littleEndian(): boolean {
  return new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;
}

function swap32(b: Buffer): void {
  b.swap32();
}
