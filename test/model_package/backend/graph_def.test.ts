/**
 * The GraphDef writer and OpDef reader of the graph-function compiler, byte for byte
 * against protobuf's wire format (TensorFlow itself reads them in graph_function.test.ts,
 * which needs the native build).
 */
import { describe, expect, it } from 'vitest';
import { AttrKind, encodeGraphDef, placeholderNode } from '../../../model_package/backend/graph_def.js';
import { completeTypeAttrs, parseOpDef } from '../../../model_package/backend/op_def.js';

const ascii = (s: string) => Array.from(new TextEncoder().encode(s));
/** A length-delimited field. */
const field = (n: number, body: number[]) => [(n << 3) | 2, body.length, ...body];

describe('encodeGraphDef', () => {
  it('writes a placeholder node and the producer version', () => {
    const bytes = Array.from(encodeGraphDef([placeholderNode('x', 1)], new Map()));
    const attr = field(5, [...field(1, ascii('dtype')), ...field(2, [6 << 3, 1])]);
    const node = field(1, [...field(1, ascii('x')), ...field(2, ascii('Placeholder')), ...attr]);
    // versions { producer: 1286 } = varint 1286 = 0x86 0x0a
    expect(bytes).toEqual([...node, ...field(4, [1 << 3, 0x86, 0x0a])]);
  });

  it('writes inputs, list attributes, negative ints and a constant tensor', () => {
    const nodes = [
      { name: 'c', op: 'Const', inputs: [], attrs: [{ name: 'dtype', kind: AttrKind.Type, value: 3 }] },
      { name: 'n', op: 'Op', inputs: ['c', 'c:1'], attrs: [
        { name: 'axis', kind: AttrKind.Int, value: -1 },
        { name: 'ops', kind: AttrKind.String, value: ['A', 'B'] },
        { name: 'f', kind: AttrKind.Float, value: 0.5 },
      ] },
    ];
    const bytes = Array.from(encodeGraphDef(nodes, new Map([['c', { dtype: 3, shape: [2], data: new Int32Array([1, 258]) }]])));
    const tensor = [1 << 3, 3, ...field(2, field(2, [1 << 3, 2])), ...field(4, [1, 0, 0, 0, 2, 1, 0, 0])];
    const constNode = field(1, [
      ...field(1, ascii('c')), ...field(2, ascii('Const')),
      ...field(5, [...field(1, ascii('dtype')), ...field(2, [6 << 3, 3])]),
      ...field(5, [...field(1, ascii('value')), ...field(2, field(8, tensor))]),
    ]);
    const minusOne = [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01]; // int64 -1 as a varint
    const opNode = field(1, [
      ...field(1, ascii('n')), ...field(2, ascii('Op')), ...field(3, ascii('c')), ...field(3, ascii('c:1')),
      ...field(5, [...field(1, ascii('axis')), ...field(2, [3 << 3, ...minusOne])]),
      ...field(5, [...field(1, ascii('ops')), ...field(2, field(1, [...field(2, ascii('A')), ...field(2, ascii('B'))]))]),
      ...field(5, [...field(1, ascii('f')), ...field(2, [(4 << 3) | 5, 0, 0, 0, 0x3f])]),
    ]);
    expect(bytes.slice(0, constNode.length)).toEqual(constNode);
    expect(bytes.slice(constNode.length, constNode.length + opNode.length)).toEqual(opNode);
  });
});

describe('OpDef and the attributes eager mode infers', () => {
  // ConcatV2: values: N*T, axis: Tidx.
  const concat = new Uint8Array([
    ...field(1, ascii('ConcatV2')),
    ...field(2, [...field(1, ascii('values')), ...field(4, ascii('T')), ...field(5, ascii('N'))]),
    ...field(2, [...field(1, ascii('axis')), ...field(4, ascii('Tidx'))]),
    ...field(4, field(1, ascii('N'))),
  ]);

  it('reads the input arguments', () => {
    expect(parseOpDef(concat)).toEqual({
      name: 'ConcatV2',
      inputs: [{ typeAttr: 'T', numberAttr: 'N', typeListAttr: '' }, { typeAttr: 'Tidx', numberAttr: '', typeListAttr: '' }],
    });
  });

  it('adds the type and count attributes from the inputs, keeping those given', () => {
    const op = parseOpDef(concat);
    const attrs = completeTypeAttrs(op, [{ name: 'Tidx', kind: AttrKind.Type, value: 9 }], [1, 1, 1, 3]);
    expect(attrs).toEqual([
      { name: 'Tidx', kind: AttrKind.Type, value: 9 },
      { name: 'T', kind: AttrKind.Type, value: 1 },
      { name: 'N', kind: AttrKind.Int, value: 3 },
    ]);
  });
});
