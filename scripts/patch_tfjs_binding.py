"""Two additions to tfjs-node's addon, each applied once (idempotent).

1. List attributes.
tfjs-node 4.22's binding (binding/tfjs_backend.cc, AssignOpAttr) sets a string or type
attribute from a single value only, so TensorFlow's one-op fused kernels (_FusedMatMul,
_FusedConv2D: MatMul or Conv2D + BiasAdd + Relu, whose `fused_ops` is a list of strings)
cannot be called through it. This adds an array branch to both cases, using
TFE_OpSetAttrStringList and TFE_OpSetAttrTypeList from TensorFlow's C API.

2. Graph functions. `binding.addGraphFunction(name, graphDef, inputs, outputs)` turns a
serialized GraphDef into a TensorFlow function (TF_GraphToFunction) registered in the
eager context, after which `executeOp(name, [], inputIds, n)` runs the whole graph as
one call; `removeGraphFunction(name)` unregisters it, and `getOpDef(op)` returns an op's
serialized OpDef (the recorder fills in the type attributes eager mode infers). htr-ts records the graph from its
own eager ops (model_package/backend/graph_function.ts): the model stays defined once.

    python3 scripts/patch_tfjs_binding.py <tfjs-node package dir>
"""
import sys
from pathlib import Path

MARK = "// htr-ts: list attributes"


def list_branch(case: str, what: str, declare: str, read_element: str, set_list: str) -> str:
    """The `case` line followed by a branch that sets a list attribute from a JS array."""
    return f"""{case}      {MARK} ({what})
      if (IsArray(env, nstatus, &js_value)) {{
        uint32_t length;
        nstatus = napi_get_array_length(env, js_value, &length);
        ENSURE_NAPI_OK(env, nstatus);
{declare}
        for (uint32_t i = 0; i < length; ++i) {{
          napi_value element;
          nstatus = napi_get_element(env, js_value, i, &element);
          ENSURE_NAPI_OK(env, nstatus);
{read_element}
        }}
        {set_list}
        break;
      }}
"""


STRING_CASE = "    case TF_ATTR_STRING: {\n"
STRING_LIST = list_branch(
    STRING_CASE, "list(string): an array of strings",
    """        std::vector<std::string> strings(length);
        std::vector<const void *> pointers(length);
        std::vector<size_t> lengths(length);""",
    """          nstatus = GetStringParam(env, element, strings[i]);
          ENSURE_NAPI_OK(env, nstatus);
          pointers[i] = strings[i].data();
          lengths[i] = strings[i].size();""",
    "TFE_OpSetAttrStringList(tfe_op, attr_name, pointers.data(), lengths.data(), static_cast<int>(length));",
)
TYPE_CASE = "    case TF_ATTR_TYPE: {\n"
TYPE_LIST = list_branch(
    TYPE_CASE, "list(type): an array of TF_DataType values",
    "        std::vector<TF_DataType> types(length);",
    """          nstatus = napi_get_value_int32(env, element, reinterpret_cast<int32_t *>(&types[i]));
          ENSURE_NAPI_OK(env, nstatus);""",
    "TFE_OpSetAttrTypeList(tfe_op, attr_name, types.data(), static_cast<int>(length));",
)


FUNCTION_MARK = "// htr-ts: graph functions"

FUNCTION_DECLARATION = f"""  {FUNCTION_MARK}
  // - name (string), graph_def (Uint8Array: a serialized GraphDef)
  // - inputs (string[]: Placeholder node names), outputs (string[]: "node:index")
  napi_value AddGraphFunction(napi_env env, napi_value name, napi_value graph_def,
                              napi_value inputs, napi_value outputs);
  void RemoveGraphFunction(napi_env env, napi_value name);
  napi_value GetOpDef(napi_env env, napi_value op_name);

 private:
  TFJSBackend(napi_env env);
"""

FUNCTION_DEFINITION = f"""
{FUNCTION_MARK}
// "node" or "node:index" -> that output of the graph's operation.
static bool FindGraphOutput(TF_Graph *graph, const std::string &ref, TF_Output *out) {{
  const size_t colon = ref.rfind(':');
  const std::string node = colon == std::string::npos ? ref : ref.substr(0, colon);
  const int index = colon == std::string::npos ? 0 : std::atoi(ref.c_str() + colon + 1);
  TF_Operation *op = TF_GraphOperationByName(graph, node.c_str());
  if (op == nullptr || index < 0 || index >= TF_OperationNumOutputs(op)) return false;
  *out = TF_Output{{op, index}};
  return true;
}}

static bool GetGraphOutputs(napi_env env, TF_Graph *graph, napi_value refs, std::vector<TF_Output> &outs) {{
  uint32_t length;
  napi_status nstatus = napi_get_array_length(env, refs, &length);
  ENSURE_NAPI_OK_RETVAL(env, nstatus, false);
  outs.resize(length);
  for (uint32_t i = 0; i < length; ++i) {{
    napi_value element;
    nstatus = napi_get_element(env, refs, i, &element);
    ENSURE_NAPI_OK_RETVAL(env, nstatus, false);
    std::string ref;
    nstatus = GetStringParam(env, element, ref);
    ENSURE_NAPI_OK_RETVAL(env, nstatus, false);
    if (!FindGraphOutput(graph, ref, &outs[i])) {{
      NAPI_THROW_ERROR(env, "addGraphFunction: no output '%s' in the graph", ref.c_str());
      return false;
    }}
  }}
  return true;
}}

napi_value TFJSBackend::AddGraphFunction(napi_env env, napi_value name_value, napi_value graph_value,
                                         napi_value inputs_value, napi_value outputs_value) {{
  std::string name;
  napi_status nstatus = GetStringParam(env, name_value, name);
  ENSURE_NAPI_OK_RETVAL(env, nstatus, nullptr);
  napi_typedarray_type array_type;
  size_t length;
  void *data;
  napi_value array_buffer;
  size_t byte_offset;
  nstatus = napi_get_typedarray_info(env, graph_value, &array_type, &length, &data, &array_buffer, &byte_offset);
  ENSURE_NAPI_OK_RETVAL(env, nstatus, nullptr);
  if (array_type != napi_uint8_array) {{
    NAPI_THROW_ERROR(env, "addGraphFunction: the GraphDef must be a Uint8Array");
    return nullptr;
  }}

  std::unique_ptr<TF_Graph, decltype(&TF_DeleteGraph)> graph(TF_NewGraph(), TF_DeleteGraph);
  {{
    TF_AutoStatus tf_status;
    std::unique_ptr<TF_Buffer, decltype(&TF_DeleteBuffer)> buffer(TF_NewBufferFromString(data, length), TF_DeleteBuffer);
    std::unique_ptr<TF_ImportGraphDefOptions, decltype(&TF_DeleteImportGraphDefOptions)> options(
        TF_NewImportGraphDefOptions(), TF_DeleteImportGraphDefOptions);
    TF_GraphImportGraphDef(graph.get(), buffer.get(), options.get(), tf_status.status);
    ENSURE_TF_OK_RETVAL(env, tf_status, nullptr);
  }}
  std::vector<TF_Output> inputs, outputs;
  if (!GetGraphOutputs(env, graph.get(), inputs_value, inputs)) return nullptr;
  if (!GetGraphOutputs(env, graph.get(), outputs_value, outputs)) return nullptr;

  TF_AutoStatus tf_status;
  TF_Function *function = TF_GraphToFunction(graph.get(), name.c_str(), 0, -1, nullptr,
      static_cast<int>(inputs.size()), inputs.data(), static_cast<int>(outputs.size()), outputs.data(),
      nullptr, nullptr, nullptr, tf_status.status);
  ENSURE_TF_OK_RETVAL(env, tf_status, nullptr);
  TFE_ContextAddFunction(tfe_context_, function, tf_status.status);
  TF_DeleteFunction(function);
  ENSURE_TF_OK_RETVAL(env, tf_status, nullptr);
  return nullptr;
}}

void TFJSBackend::RemoveGraphFunction(napi_env env, napi_value name_value) {{
  std::string name;
  napi_status nstatus = GetStringParam(env, name_value, name);
  ENSURE_NAPI_OK(env, nstatus);
  TF_AutoStatus tf_status;
  TFE_ContextRemoveFunction(tfe_context_, name.c_str(), tf_status.status);
  ENSURE_TF_OK(env, tf_status);
}}

napi_value TFJSBackend::GetOpDef(napi_env env, napi_value op_name_value) {{
  std::string op_name;
  napi_status nstatus = GetStringParam(env, op_name_value, op_name);
  ENSURE_NAPI_OK_RETVAL(env, nstatus, nullptr);
  std::unique_ptr<TF_Graph, decltype(&TF_DeleteGraph)> graph(TF_NewGraph(), TF_DeleteGraph);
  std::unique_ptr<TF_Buffer, decltype(&TF_DeleteBuffer)> buffer(TF_NewBuffer(), TF_DeleteBuffer);
  TF_AutoStatus tf_status;
  TF_GraphGetOpDef(graph.get(), op_name.c_str(), buffer.get(), tf_status.status);
  ENSURE_TF_OK_RETVAL(env, tf_status, nullptr);
  void *data;
  napi_value array_buffer, result;
  nstatus = napi_create_arraybuffer(env, buffer->length, &data, &array_buffer);
  ENSURE_NAPI_OK_RETVAL(env, nstatus, nullptr);
  std::memcpy(data, buffer->data, buffer->length);
  nstatus = napi_create_typedarray(env, napi_uint8_array, buffer->length, array_buffer, 0, &result);
  ENSURE_NAPI_OK_RETVAL(env, nstatus, nullptr);
  return result;
}}

}}  // namespace tfnodejs
"""

def napi_wrapper(name: str, usage: str, checks: dict[int, str], call: str) -> str:
    """A static N-API function that checks its arguments and calls TFJSBackend's `name`."""
    n = usage.count(",") + 1
    lines = [f"  ENSURE_VALUE_IS_{kind}_RETVAL(env, args[{i}], nullptr);" for i, kind in checks.items()]
    return f"""static napi_value {name}(napi_env env, napi_callback_info info) {{
  size_t argc = {n};
  napi_value args[{n}];
  napi_value js_this;
  napi_status nstatus = napi_get_cb_info(env, info, &argc, args, &js_this, nullptr);
  ENSURE_NAPI_OK_RETVAL(env, nstatus, nullptr);
  if (argc < {n}) {{
    NAPI_THROW_ERROR(env, "{usage}: expected {n} arguments, got %d", argc);
    return nullptr;
  }}
{chr(10).join(lines)}
  TFJSBackend *const backend = GetTFJSBackend(env);
  if (!backend) return nullptr;
  {call}
}}

"""


FUNCTION_WRAPPERS = (
    f"{FUNCTION_MARK}\n"
    + napi_wrapper("AddGraphFunction", "addGraphFunction(name, graphDef, inputs, outputs)", {0: "STRING", 2: "ARRAY", 3: "ARRAY"},
                   "return backend->AddGraphFunction(env, args[0], args[1], args[2], args[3]);")
    + napi_wrapper("RemoveGraphFunction", "removeGraphFunction(name)", {0: "STRING"},
                   "backend->RemoveGraphFunction(env, args[0]);\n  return nullptr;")
    + napi_wrapper("GetOpDef", "getOpDef(opName)", {0: "STRING"}, "return backend->GetOpDef(env, args[0]);")
    + "/**\n * Called by Node to cleanup our instance data, which is\n"
)

FUNCTION_EXPORTS = """      {"addGraphFunction", nullptr, AddGraphFunction, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"removeGraphFunction", nullptr, RemoveGraphFunction, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"getOpDef", nullptr, GetOpDef, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"getNumOfTensors", nullptr, GetNumOfTensors, nullptr, nullptr,
"""


def replace_once(text: str, old: str, new: str, source: Path) -> str:
    if text.count(old) != 1:
        raise ValueError(f"{source}: expected one '{old.strip().splitlines()[0]}' (another tfjs-node version?)")
    return text.replace(old, new)


def write(source: Path, text: str) -> None:
    tmp = source.with_suffix(source.suffix + ".tmp")
    tmp.write_text(text)
    tmp.replace(source)


def patch_list_attributes(binding: Path) -> str:
    source = binding / "tfjs_backend.cc"
    text = source.read_text()
    if MARK in text:
        return "list attributes: already patched"
    text = replace_once(text, STRING_CASE, STRING_LIST, source)
    text = replace_once(text, TYPE_CASE, TYPE_LIST, source)
    write(source, "#include <vector>\n" + text)
    return "list(string) and list(type) attributes added"


def patch_graph_functions(binding: Path) -> str:
    header, backend, exports = binding / "tfjs_backend.h", binding / "tfjs_backend.cc", binding / "tfjs_binding.cc"
    if FUNCTION_MARK in header.read_text():
        return "graph functions: already patched"
    texts = {
        header: replace_once(header.read_text(), " private:\n  TFJSBackend(napi_env env);\n", FUNCTION_DECLARATION, header),
        backend: replace_once(backend.read_text(), "}  // namespace tfnodejs\n", FUNCTION_DEFINITION, backend),
        exports: replace_once(
            replace_once(exports.read_text(), "/**\n * Called by Node to cleanup our instance data, which is\n", FUNCTION_WRAPPERS, exports),
            '      {"getNumOfTensors", nullptr, GetNumOfTensors, nullptr, nullptr,\n', FUNCTION_EXPORTS, exports),
    }
    # All three texts are made before any is written; the header, which carries the mark, last.
    for source in (backend, exports, header):
        write(source, texts[source])
    return "graph functions added (addGraphFunction, removeGraphFunction, getOpDef)"


def main() -> int:
    binding = Path(sys.argv[1]) / "binding"
    try:
        for patch in (patch_list_attributes, patch_graph_functions):
            print(f"{binding}: {patch(binding)}")
    except ValueError as e:
        print(e, file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
