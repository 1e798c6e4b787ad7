/**
 * What the graph-function recorder needs of a TensorFlow OpDef (the binding's getOpDef
 * returns it serialized): which type, count and type-list attributes each input
 * argument carries. Eager execution infers those attributes from the inputs, so tfjs-node
 * often omits them; a GraphDef must spell them out (completeTypeAttrs).
 */
import { AttrKind, type GraphAttr } from './graph_def.js';

export interface InputArg {
  readonly typeAttr: string;
  readonly numberAttr: string;
  readonly typeListAttr: string;
}

export interface OpDef {
  readonly name: string;
  readonly inputs: readonly InputArg[];
}

/** A minimal protobuf reader: the fields it is asked for, skipping the rest. */
class ProtoReader {
  private pos = 0;

  constructor(private readonly bytes: Uint8Array) {}

  get done(): boolean {
    return this.pos >= this.bytes.length;
  }

  varint(): number {
    let result = 0;
    let shift = 0;
    for (;;) {
      const b = this.bytes[this.pos++];
      if (b === undefined) throw new Error('truncated protobuf');
      result += (b & 0x7f) * 2 ** shift;
      if (b < 0x80) return result;
      shift += 7;
    }
  }

  /** The next field as [field number, wire type]. */
  tag(): [number, number] {
    const t = this.varint();
    return [Math.floor(t / 8), t % 8];
  }

  bytesField(): Uint8Array {
    const n = this.varint();
    const out = this.bytes.subarray(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }

  skip(wireType: number): void {
    if (wireType === 0) this.varint();
    else if (wireType === 1) this.pos += 8;
    else if (wireType === 2) this.bytesField();
    else if (wireType === 5) this.pos += 4;
    else throw new Error(`unsupported protobuf wire type ${wireType}`);
  }
}

const decoder = new TextDecoder();

/** Reads the string fields of `bytes` whose numbers are in `wanted` (the last of each wins). */
function stringFields(bytes: Uint8Array, wanted: readonly number[]): Map<number, string> {
  const r = new ProtoReader(bytes);
  const out = new Map<number, string>();
  while (!r.done) {
    const [field, wire] = r.tag();
    if (wire === 2 && wanted.includes(field)) out.set(field, decoder.decode(r.bytesField()));
    else r.skip(wire);
  }
  return out;
}

// OpDef: name = 1, input_arg = 2. ArgDef: type_attr = 4, number_attr = 5, type_list_attr = 6.
export function parseOpDef(bytes: Uint8Array): OpDef {
  const r = new ProtoReader(bytes);
  let name = '';
  const inputs: InputArg[] = [];
  while (!r.done) {
    const [field, wire] = r.tag();
    if (field === 1 && wire === 2) name = decoder.decode(r.bytesField());
    else if (field === 2 && wire === 2) {
      const f = stringFields(r.bytesField(), [4, 5, 6]);
      inputs.push({ typeAttr: f.get(4) ?? '', numberAttr: f.get(5) ?? '', typeListAttr: f.get(6) ?? '' });
    } else r.skip(wire);
  }
  return { name, inputs };
}

/**
 * `attrs` plus the type, count and type-list attributes of `op` that eager execution would
 * infer from the inputs' dtypes (TF_DataType values, one per input).
 */
export function completeTypeAttrs(op: OpDef, attrs: readonly GraphAttr[], inputDtypes: readonly number[]): GraphAttr[] {
  const given = new Map(attrs.map((a) => [a.name, a]));
  const counts = op.inputs.map((arg) => {
    if (arg.numberAttr) {
      const n = given.get(arg.numberAttr);
      return typeof n?.value === 'number' ? n.value : undefined;
    }
    if (arg.typeListAttr) {
      const list = given.get(arg.typeListAttr);
      return Array.isArray(list?.value) ? list.value.length : undefined;
    }
    return 1;
  });
  const unknown = counts.filter((c) => c === undefined).length;
  if (unknown > 1) throw new Error(`${op.name}: cannot tell how its ${inputDtypes.length} inputs split into its list arguments`);
  const known = counts.reduce<number>((s, c) => s + (c ?? 0), 0);
  const out = [...attrs];
  const add = (a: GraphAttr) => {
    if (given.has(a.name)) return;
    given.set(a.name, a);
    out.push(a);
  };
  let next = 0;
  op.inputs.forEach((arg, i) => {
    const count = counts[i] ?? inputDtypes.length - known;
    const dtypes = inputDtypes.slice(next, next + count);
    next += count;
    if (arg.typeAttr && dtypes.length) add({ name: arg.typeAttr, kind: AttrKind.Type, value: dtypes[0]! });
    if (arg.numberAttr) add({ name: arg.numberAttr, kind: AttrKind.Int, value: count });
    if (arg.typeListAttr) add({ name: arg.typeListAttr, kind: AttrKind.Type, value: dtypes });
  });
  return out;
}
