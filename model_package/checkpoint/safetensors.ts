/**
 * The safetensors container (https://huggingface.co/docs/safetensors): 8 bytes of
 * little-endian u64 header length N, N bytes of JSON header, then raw little-endian
 * tensor data. The header maps each tensor name to {dtype, shape, data_offsets:
 * [begin, end)} relative to the data section, plus an optional "__metadata__"
 * object of string -> string.
 *
 * Pure bytes in, bytes out (no Node APIs), so the browser decodes checkpoints with
 * the same code; file I/O is in safetensors_file.ts.
 */
import { htrError } from '../errors.js';

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
export function encodeSafetensors(tensors: ReadonlyMap<string, RawTensor>, metadata: Record<string, string>): Uint8Array {
  const header: Record<string, unknown> = { __metadata__: metadata };
  let offset = 0;
  for (const [name, t] of tensors) {
    if (name === '__metadata__') throw new Error('"__metadata__" is reserved');
    const bytes = t.data.byteLength;
    if (t.data.length !== t.shape.reduce((a, b) => a * b, 1)) throw new Error(`tensor ${name}: ${t.data.length} values for shape [${t.shape.join(',')}]`);
    header[name] = { dtype: t.dtype, shape: t.shape, data_offsets: [offset, offset + bytes] };
    offset += bytes;
  }
  let headerBytes = new TextEncoder().encode(JSON.stringify(header));
  // Pad with spaces so the data section starts 8-byte aligned, as the reference writer does.
  const pad = (8 - ((8 + headerBytes.length) % 8)) % 8;
  if (pad) headerBytes = new TextEncoder().encode(JSON.stringify(header) + ' '.repeat(pad));
  const out = new Uint8Array(8 + headerBytes.length + offset);
  new DataView(out.buffer).setBigUint64(0, BigInt(headerBytes.length), true);
  out.set(headerBytes, 8);
  let pos = 8 + headerBytes.length;
  for (const t of tensors.values()) {
    const src = new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength);
    out.set(src, pos);
    if (!littleEndian()) swap32(out.subarray(pos, pos + src.length));
    pos += src.length;
  }
  return out;
}

/** Parses and validates bytes; `file` names the source in errors. */
export function decodeSafetensors(buf: Uint8Array, file: string): SafetensorsFile {
  const bad = (reason: string) => htrError('HTR_ERR_BAD_CHECKPOINT', { file, reason });
  if (buf.length < 8) throw bad(`file is ${buf.length} bytes, too short for the 8-byte header length (truncated?)`);
  const n = new DataView(buf.buffer, buf.byteOffset, buf.byteLength).getBigUint64(0, true);
  if (n > BigInt(Math.min(MAX_HEADER, buf.length - 8))) {
    throw bad(`header length ${n} exceeds the ${buf.length - 8} bytes after it (truncated or not a safetensors file)`);
  }
  const headerEnd = 8 + Number(n);
  let header: unknown;
  try {
    header = JSON.parse(new TextDecoder().decode(buf.subarray(8, headerEnd)));
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
    // Copy into a fresh (aligned) buffer: the data section need not be 4-byte aligned in memory.
    // (new Uint8Array, not slice: a Node Buffer's slice is a view.)
    const bytes = new Uint8Array(buf.subarray(headerEnd + begin, headerEnd + end));
    if (!littleEndian()) swap32(bytes);
    const data = s.dtype === 'F32' ? new Float32Array(bytes.buffer) : new Int32Array(bytes.buffer);
    tensors.set(name, { dtype: s.dtype, shape: s.shape as number[], data });
    covered += end - begin;
  }
  if (covered !== dataLen) throw bad(`data section has ${dataLen} bytes but tensors cover ${covered}`);
  return { tensors, metadata };
}

function littleEndian(): boolean {
  return new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;
}

function swap32(b: Uint8Array): void {
  for (let i = 0; i + 3 < b.length; i += 4) {
    const [x0, x1] = [b[i] as number, b[i + 1] as number];
    b[i] = b[i + 3] as number;
    b[i + 1] = b[i + 2] as number;
    b[i + 2] = x1;
    b[i + 3] = x0;
  }
}
