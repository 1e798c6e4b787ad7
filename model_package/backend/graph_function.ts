/**
 * The function compiler of the TensorFlow backend (see models/compiled_functions.ts).
 * It runs the function once with tfjs-node's binding wrapped, recording every op it
 * executes and every constant it creates, writes those as a GraphDef, and registers it
 * as a TensorFlow function (the binding's addGraphFunction, added by
 * scripts/patch_tfjs_binding.py). Each later run is one executeOp of that function: one
 * eager dispatch instead of one per op, and TensorFlow's graph optimisations on top.
 *
 * The recorded graph is exact for inputs of other values; shapes are fixed wherever the
 * function computed a shape in JavaScript (a reshape target, a slice size), so callers
 * key their compiled variants by those (models/compiled_functions.ts).
 */
import * as tf from '@tensorflow/tfjs-core';
import type { TensorInfo } from '@tensorflow/tfjs-core';
import { NotCompilableError, type CompiledFunction, type Constants, type FunctionCompiler, type TensorFunction } from '../models/compiled_functions.js';
import { AttrKind, encodeGraphDef, placeholderNode, type ConstValue, type GraphAttr, type GraphNode } from './graph_def.js';
import { completeTypeAttrs, parseOpDef, type OpDef } from './op_def.js';
import { asTfBackend, tfDtypeOf, type OpAttr, type TfBackend } from './tf_raw_ops.js';

interface TensorMetadata {
  readonly id: number;
  readonly shape: number[];
  readonly dtype: number;
}

/** What the recorder wraps of tfjs-node's addon. */
interface Binding {
  executeOp(name: string, attrs: OpAttr[], inputIds: number[], numOutputs: number): TensorMetadata[];
  createTensor(shape: number[], dtype: number, values: ArrayBufferView): number;
  tensorDataSync(id: number): ArrayBufferView;
  addGraphFunction?(name: string, graphDef: Uint8Array, inputs: string[], outputs: string[]): void;
  removeGraphFunction?(name: string): void;
  getOpDef?(op: string): Uint8Array;
}

interface RecordingBackend extends TfBackend {
  binding: TfBackend['binding'] & Binding;
  getInputTensorIds(tensors: readonly TensorInfo[]): number[];
  move(dataId: object, values: unknown, shape: number[], dtype: string, refCount: number): void;
  readonly tensorMap: { get(dataId: object): { values: unknown } | undefined };
}

let functionCount = 0;
const opDefs = new Map<string, OpDef>();

function opDef(binding: Binding, op: string): OpDef {
  let def = opDefs.get(op);
  if (!def) {
    def = parseOpDef(binding.getOpDef!(op));
    opDefs.set(op, def);
  }
  return def;
}

export function supportsGraphFunctions(backend: tf.KernelBackend): boolean {
  const b = backend as unknown as Partial<RecordingBackend>;
  return typeof b.binding?.addGraphFunction === 'function' && typeof b.binding.getOpDef === 'function' && typeof b.getInputTensorIds === 'function';
}

/** Records the ops of one run of `fn` (see the module comment). */
class Recorder {
  readonly nodes: GraphNode[] = [];
  readonly constants = new Map<string, ConstValue>();
  /** Binding tensor id -> "node:index" in the graph. */
  private readonly refs = new Map<number, string>();
  /** "node:index" -> its TF_DataType. */
  private readonly dtypes = new Map<string, number>();
  /** Ids of tensors that existed before the run and may be baked in, with their shapes and dtypes. */
  private readonly capturable = new Map<number, Pick<TensorInfo, 'shape' | 'dtype'>>();

  constructor(private readonly real: Binding, private readonly dtypeOf: (dtype: tf.DataType) => number | undefined) {}

  addInput(id: number, dtype: number): string {
    const node = placeholderNode(`input_${this.nodes.length}`, dtype);
    this.nodes.push(node);
    this.refs.set(id, node.name);
    this.dtypes.set(node.name, dtype);
    return node.name;
  }

  allowCapture(id: number, t: Pick<TensorInfo, 'shape' | 'dtype'>): void {
    this.capturable.set(id, t);
  }

  /** The binding the function runs against while recording. */
  wrap(): Binding {
    const real = this.real;
    const binding = Object.create(real) as Binding;
    Object.defineProperties(binding, {
      executeOp: { value: (name: string, attrs: OpAttr[], inputIds: number[], numOutputs: number) => {
        const inputs = inputIds.map((id) => this.ref(id, name));
        const out = real.executeOp(name, attrs, inputIds, numOutputs);
        const node = `op${this.nodes.length}_${name.replace(/[^A-Za-z0-9_]/g, '_')}`;
        // Eager execution infers the type attributes tfjs-node leaves out; a graph must name them.
        let graphAttrs: GraphAttr[];
        try {
          graphAttrs = completeTypeAttrs(opDef(real, name), attrs.map(toGraphAttr), inputs.map((r) => this.dtypes.get(r)!));
        } catch (e) {
          throw new NotCompilableError(`op ${name}: ${(e as Error).message}`);
        }
        this.nodes.push({ name: node, op: name, inputs, attrs: graphAttrs });
        out.forEach((m, i) => {
          const ref = i === 0 ? node : `${node}:${i}`;
          this.refs.set(m.id, ref);
          this.dtypes.set(ref, m.dtype);
        });
        return out;
      } },
      createTensor: { value: (shape: number[], dtype: number, values: ArrayBufferView) => {
        const id = real.createTensor(shape, dtype, values);
        this.addConst(id, { dtype, shape: [...shape], data: copyOf(values) });
        return id;
      } },
      tensorDataSync: { value: (id: number) => {
        throw new NotCompilableError(`a compiled function cannot read a tensor back to JavaScript (tensor ${id})`);
      } },
    });
    return binding;
  }

  /** The graph reference of output tensor `id`: a node's output, or an Identity of an input or constant. */
  output(id: number): string {
    const ref = this.ref(id, 'the output');
    if (ref.includes(':') || !this.isSource(ref)) return ref;
    const name = `output_${this.nodes.length}`;
    this.nodes.push({ name, op: 'Identity', inputs: [ref], attrs: [] });
    return name;
  }

  private isSource(ref: string): boolean {
    return this.constants.has(ref) || ref.startsWith('input_');
  }

  private ref(id: number, user: string): string {
    const known = this.refs.get(id);
    if (known !== undefined) return known;
    const captured = this.capturable.get(id);
    if (!captured) throw new NotCompilableError(`${user} read a tensor that is neither an input nor a constant of the compiled function (tensor ${id})`);
    const dtype = this.dtypeOf(captured.dtype);
    if (dtype === undefined) throw new NotCompilableError(`a compiled function cannot hold a ${captured.dtype} constant`);
    // tfjs-node reads a tensor's data through the binding; this one existed before the run.
    const data = this.real.tensorDataSync(id);
    return this.addConst(id, { dtype, shape: captured.shape, data: copyOf(data) });
  }

  private addConst(id: number, value: ConstValue): string {
    const name = `const_${this.nodes.length}`;
    this.nodes.push({ name, op: 'Const', inputs: [], attrs: [{ name: 'dtype', kind: AttrKind.Type, value: value.dtype }] });
    this.constants.set(name, value);
    this.refs.set(id, name);
    this.dtypes.set(name, value.dtype);
    return name;
  }
}

function copyOf(values: ArrayBufferView): ArrayBufferView {
  return new Uint8Array(values.buffer.slice(values.byteOffset, values.byteOffset + values.byteLength));
}

function toGraphAttr(a: OpAttr): GraphAttr {
  return { name: a.name, kind: a.type as AttrKind, value: a.value };
}

/** The nodes `outputs` depend on, and every input (a function keeps its whole signature). */
function reachable(nodes: readonly GraphNode[], outputs: readonly string[]): GraphNode[] {
  const byName = new Map(nodes.map((n) => [n.name, n]));
  const keep = new Set<string>();
  const stack = outputs.map((o) => o.split(':')[0]!);
  while (stack.length) {
    const name = stack.pop()!;
    if (keep.has(name)) continue;
    keep.add(name);
    for (const input of byName.get(name)?.inputs ?? []) stack.push(input.split(':')[0]!);
  }
  return nodes.filter((n) => keep.has(n.name) || n.op === 'Placeholder');
}

/**
 * Points the backend at the recording binding until the returned function is called.
 * A tensor made before the run whose values tfjs-node has not yet handed to TensorFlow
 * would reach the binding as a new constant: it is refused unless the run made it.
 */
function recordInto(backend: RecordingBackend, recorder: Recorder, captureExisting: boolean): () => void {
  const real = { binding: backend.binding, move: backend.move, getInputTensorIds: backend.getInputTensorIds };
  const madeInRun = new WeakSet<object>();
  backend.binding = recorder.wrap() as RecordingBackend['binding'];
  backend.move = (dataId, ...rest) => {
    madeInRun.add(dataId);
    real.move.call(backend, dataId, ...rest);
  };
  backend.getInputTensorIds = (tensors) => {
    if (!captureExisting) {
      for (const t of tensors) {
        const pending = t.dataId && backend.tensorMap.get(t.dataId)?.values != null;
        if (pending && !madeInRun.has(t.dataId)) {
          throw new NotCompilableError('a compiled function read a tensor that is neither an input nor a constant of it (made before it ran)');
        }
      }
    }
    const ids = real.getInputTensorIds.call(backend, tensors);
    if (captureExisting) tensors.forEach((t, i) => t.dataId && !madeInRun.has(t.dataId) && recorder.allowCapture(ids[i]!, t));
    return ids;
  };
  return () => {
    backend.binding = real.binding;
    // Back to the class's methods.
    delete (backend as Partial<RecordingBackend>).move;
    delete (backend as Partial<RecordingBackend>).getInputTensorIds;
  };
}

/** The kernel that runs a registered graph function: inputs "0".."n-1", outputs in order. */
export const GRAPH_FUNCTION = 'HtrGraphFunction';

interface GraphFunctionAttrs {
  readonly name: string;
  readonly numOutputs: number;
}

export function registerGraphFunctionKernel(backendName: string): void {
  if (tf.getKernel(GRAPH_FUNCTION, backendName)) return;
  tf.registerKernel({
    kernelName: GRAPH_FUNCTION,
    backendName,
    kernelFunc: ({ inputs, attrs, backend }) => {
      const { name, numOutputs } = attrs as unknown as GraphFunctionAttrs;
      const ordered = Array.from({ length: Object.keys(inputs).length }, (_, i) => inputs[String(i)]!);
      return asTfBackend(backend as tf.KernelBackend).executeMultipleOutputs(name, [], ordered, numOutputs);
    },
  });
}

class GraphFunction implements CompiledFunction {
  private live = true;

  constructor(private readonly backend: RecordingBackend, readonly name: string, private readonly numOutputs: number) {}

  run(inputs: readonly tf.Tensor[]): tf.Tensor[] {
    if (!this.live) throw new Error(`compiled function ${this.name} was disposed`);
    // Through the engine, as a kernel: tidy scopes and profiles see it like any other.
    const named = Object.fromEntries(inputs.map((t, i) => [String(i), t]));
    const attrs: GraphFunctionAttrs = { name: this.name, numOutputs: this.numOutputs };
    return tf.engine().runKernel(GRAPH_FUNCTION, named, attrs as unknown as tf.NamedAttrMap) as tf.Tensor[];
  }

  dispose(): void {
    if (!this.live) return;
    this.live = false;
    this.backend.binding.removeGraphFunction?.(this.name);
  }
}

export const compileGraphFunction: FunctionCompiler = (fn: TensorFunction, inputs: readonly tf.Tensor[], constants: Constants) => {
  const backend = asTfBackend(tf.backend()) as RecordingBackend;
  if (!supportsGraphFunctions(tf.backend())) return { outputs: fn(inputs), compiled: null };
  const real = backend.binding;
  const recorder = new Recorder(real, (dtype) => tfDtypeOf(backend, dtype));
  // Hand every input and constant to TensorFlow now, so that the recording sees their ids.
  const inputNames = backend.getInputTensorIds(inputs).map((id, i) => {
    const dtype = tfDtypeOf(backend, inputs[i]!.dtype);
    if (dtype === undefined) throw new NotCompilableError(`a compiled function cannot take a ${inputs[i]!.dtype} input`);
    return recorder.addInput(id, dtype);
  });
  if (constants !== 'existing') backend.getInputTensorIds(constants).forEach((id, i) => recorder.allowCapture(id, constants[i]!));

  let outputs: tf.Tensor[];
  const stop = recordInto(backend, recorder, constants === 'existing');
  try {
    outputs = tf.tidy(() => fn(inputs));
  } finally {
    stop();
  }
  const outputRefs = backend.getInputTensorIds(outputs).map((id) => recorder.output(id));
  const graph = encodeGraphDef(reachable(recorder.nodes, outputRefs), recorder.constants);
  const name = `htr_function_${++functionCount}`;
  try {
    real.addGraphFunction!(name, graph, inputNames, outputRefs);
  } catch (e) {
    tf.dispose(outputs);
    throw new NotCompilableError(`TensorFlow refused the recorded graph: ${(e as Error).message}`);
  }
  return { outputs, compiled: new GraphFunction(backend, name, outputs.length) };
};
