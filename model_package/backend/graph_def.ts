/**
 * A TensorFlow GraphDef in protobuf wire format, from nodes recorded by the graph-function
 * tracer (graph_function.ts). Only what those graphs hold: Placeholder, Const and ops
 * with the attribute kinds tfjs-node passes (string, int, float, bool, type, shape, and
 * lists of them). Field numbers are those of tensorflow/core/framework/*.proto.
 */

/** An attribute as tfjs-node passes it to an op; `kind` is the TF_AttrType of the C API. */
export interface GraphAttr {
  readonly name: string;
  readonly kind: AttrKind;
  readonly value: number | string | boolean | readonly number[] | readonly string[] | readonly boolean[];
}

/** TF_AttrType values (tensorflow/c/c_api.h). */
export enum AttrKind {
  String = 0,
  Int = 1,
  Float = 2,
  Bool = 3,
  Type = 4,
  Shape = 5,
}

export interface ConstValue {
  /** TF_DataType. */
  readonly dtype: number;
  readonly shape: readonly number[];
  readonly data: ArrayBufferView;
}

export interface GraphNode {
  readonly name: string;
  readonly op: string;
  /** "node" or "node:index" of each input. */
  readonly inputs: readonly string[];
  readonly attrs: readonly GraphAttr[];
}

/** A producer version TensorFlow 2.x accepts without upgrading the graph. */
const PRODUCER_VERSION = 1286;

/** Protobuf wire format into a list of byte chunks: a constant's data is copied once per nesting level, by memcpy. */
class ProtoWriter {
  private chunks: Uint8Array[] = [];
  private small: number[] = [];
  private length = 0;

  varint(value: number | bigint): void {
    let v = BigInt.asUintN(64, BigInt(value));
    while (v >= 0x80n) {
      this.small.push(Number(v & 0x7fn) | 0x80);
      v >>= 7n;
    }
    this.small.push(Number(v));
  }

  tag(field: number, wireType: 0 | 2 | 5): void {
    this.varint((field << 3) | wireType);
  }

  int(field: number, value: number | bigint): void {
    this.tag(field, 0);
    this.varint(value);
  }

  bool(field: number, value: boolean): void {
    this.int(field, value ? 1 : 0);
  }

  float(field: number, value: number): void {
    this.tag(field, 5);
    this.raw(new Uint8Array(new Float32Array([value]).buffer));
  }

  bytes(field: number, value: Uint8Array): void {
    this.tag(field, 2);
    this.varint(value.length);
    this.raw(value);
  }

  string(field: number, value: string): void {
    this.bytes(field, new TextEncoder().encode(value));
  }

  message(field: number, write: (w: ProtoWriter) => void): void {
    const inner = new ProtoWriter();
    write(inner);
    this.bytes(field, inner.finish());
  }

  packedInts(field: number, values: readonly (number | bigint)[]): void {
    this.message(field, (w) => values.forEach((v) => w.varint(v)));
  }

  packedFloats(field: number, values: readonly number[]): void {
    this.bytes(field, new Uint8Array(new Float32Array(values).buffer));
  }

  finish(): Uint8Array {
    this.flushSmall();
    const out = new Uint8Array(this.length);
    let at = 0;
    for (const c of this.chunks) {
      out.set(c, at);
      at += c.length;
    }
    return out;
  }

  private raw(bytes: Uint8Array): void {
    this.flushSmall();
    this.chunks.push(bytes);
    this.length += bytes.length;
  }

  private flushSmall(): void {
    if (!this.small.length) return;
    this.chunks.push(Uint8Array.from(this.small));
    this.length += this.small.length;
    this.small = [];
  }
}

// TensorShapeProto: repeated Dim dim = 2 (Dim: int64 size = 1); bool unknown_rank = 3.
function writeShape(w: ProtoWriter, shape: readonly number[]): void {
  for (const size of shape) w.message(2, (d) => d.int(1, size));
}

// TensorProto: dtype = 1, tensor_shape = 2, tensor_content = 4 (raw little-endian bytes).
function writeTensor(w: ProtoWriter, t: ConstValue): void {
  w.int(1, t.dtype);
  w.message(2, (s) => writeShape(s, t.shape));
  w.bytes(4, new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength));
}

// AttrValue: list = 1, s = 2, i = 3, f = 4, b = 5, type = 6, shape = 7, tensor = 8.
// ListValue: s = 2, i = 3 (packed), f = 4 (packed), b = 5 (packed), type = 6 (packed).
function writeAttrValue(w: ProtoWriter, a: GraphAttr): void {
  const v = a.value;
  if (a.kind === AttrKind.Shape) {
    w.message(7, (s) => writeShape(s, v as readonly number[]));
    return;
  }
  if (Array.isArray(v)) {
    w.message(1, (l) => {
      switch (a.kind) {
        case AttrKind.String: (v as string[]).forEach((s) => l.string(2, s)); break;
        case AttrKind.Int: l.packedInts(3, v as number[]); break;
        case AttrKind.Float: l.packedFloats(4, v as number[]); break;
        case AttrKind.Bool: l.packedInts(5, (v as boolean[]).map(Number)); break;
        case AttrKind.Type: l.packedInts(6, v as number[]); break;
      }
    });
    return;
  }
  switch (a.kind) {
    case AttrKind.String: w.string(2, v as string); break;
    case AttrKind.Int: w.int(3, v as number); break;
    case AttrKind.Float: w.float(4, v as number); break;
    case AttrKind.Bool: w.bool(5, v as boolean); break;
    case AttrKind.Type: w.int(6, v as number); break;
  }
}

function writeAttr(w: ProtoWriter, key: string, write: (v: ProtoWriter) => void): void {
  // map<string, AttrValue> attr = 5: entries { key = 1; value = 2 }.
  w.message(5, (e) => {
    e.string(1, key);
    e.message(2, write);
  });
}

export function placeholderNode(name: string, dtype: number): GraphNode & { readonly dtype: number } {
  return { name, op: 'Placeholder', inputs: [], attrs: [{ name: 'dtype', kind: AttrKind.Type, value: dtype }], dtype };
}

/** Serialized GraphDef of `nodes` (in any order) and the constants' values by node name. */
export function encodeGraphDef(nodes: readonly GraphNode[], constants: ReadonlyMap<string, ConstValue>): Uint8Array {
  const w = new ProtoWriter();
  for (const n of nodes) {
    // NodeDef: name = 1, op = 2, input = 3, attr = 5.
    w.message(1, (nd) => {
      nd.string(1, n.name);
      nd.string(2, n.op);
      for (const input of n.inputs) nd.string(3, input);
      for (const a of n.attrs) writeAttr(nd, a.name, (v) => writeAttrValue(v, a));
      const value = constants.get(n.name);
      if (value) writeAttr(nd, 'value', (v) => v.message(8, (t) => writeTensor(t, value)));
    });
  }
  // VersionDef versions = 4 { producer = 1 }.
  w.message(4, (v) => v.int(1, PRODUCER_VERSION));
  return w.finish();
}
