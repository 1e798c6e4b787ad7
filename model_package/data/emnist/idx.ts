/**
 * The IDX format of MNIST and EMNIST: 2 zero bytes, a type byte (0x08 uint8,
 * 0x09 int8, 0x0B int16, 0x0C int32, 0x0D float32, 0x0E float64), the number
 * of dimensions, each dimension as a big-endian uint32, then the values
 * big-endian in row-major order. NIST ships the files gzip-compressed.
 */
import { gunzipSync } from 'node:zlib';
import { htrError } from '../../errors.js';

export type IdxType = 'uint8' | 'int8' | 'int16' | 'int32' | 'float32' | 'float64';

const TYPES: Readonly<Record<number, { type: IdxType; size: number }>> = {
  0x08: { type: 'uint8', size: 1 },
  0x09: { type: 'int8', size: 1 },
  0x0b: { type: 'int16', size: 2 },
  0x0c: { type: 'int32', size: 4 },
  0x0d: { type: 'float32', size: 4 },
  0x0e: { type: 'float64', size: 8 },
};

export interface IdxArray {
  readonly type: IdxType;
  readonly shape: readonly number[];
  /** Values in row-major order (uint8 files keep their bytes; others are converted from big-endian). */
  readonly data: Uint8Array | Int8Array | Int16Array | Int32Array | Float32Array | Float64Array;
}

/** Parses an IDX file, gunzipping it first when it starts with the gzip magic. `file` names it in errors. */
export function parseIdx(input: Buffer, file: string): IdxArray {
  const bad = (reason: string, cause?: unknown) => htrError('HTR_ERR_BAD_DATA_FILE', { file, reason }, cause);
  let buf = input;
  if (buf.length >= 2 && buf[0] === 0x1f && buf[1] === 0x8b) {
    try {
      buf = gunzipSync(buf);
    } catch (err) {
      throw bad(`corrupt gzip: ${err instanceof Error ? err.message : String(err)}`, err);
    }
  }
  if (buf.length < 4 || buf[0] !== 0 || buf[1] !== 0) throw bad('not an IDX file (magic must start with two zero bytes)');
  const spec = TYPES[buf[2] as number];
  if (!spec) throw bad(`unknown IDX type byte 0x${(buf[2] as number).toString(16)}`);
  const ndim = buf[3] as number;
  const headerSize = 4 + 4 * ndim;
  if (ndim === 0 || buf.length < headerSize) throw bad(`truncated header for ${ndim} dimension(s)`);
  const shape = Array.from({ length: ndim }, (_, i) => buf.readUInt32BE(4 + 4 * i));
  const count = shape.reduce((a, b) => a * b, 1);
  const expected = headerSize + count * spec.size;
  if (buf.length !== expected) throw bad(`shape [${shape.join(', ')}] needs ${expected} bytes, file has ${buf.length}`);
  const body = buf.subarray(headerSize);
  return { type: spec.type, shape, data: decode(spec.type, body, count) };
}

function decode(type: IdxType, body: Buffer, count: number): IdxArray['data'] {
  switch (type) {
    case 'uint8':
      return new Uint8Array(body.buffer, body.byteOffset, count);
    case 'int8':
      return new Int8Array(body.buffer, body.byteOffset, count);
    case 'int16':
      return Int16Array.from({ length: count }, (_, i) => body.readInt16BE(2 * i));
    case 'int32':
      return Int32Array.from({ length: count }, (_, i) => body.readInt32BE(4 * i));
    case 'float32':
      return Float32Array.from({ length: count }, (_, i) => body.readFloatBE(4 * i));
    case 'float64':
      return Float64Array.from({ length: count }, (_, i) => body.readDoubleBE(8 * i));
  }
}
