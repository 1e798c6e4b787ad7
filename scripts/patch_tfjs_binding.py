"""Lets tfjs-node's addon pass list(string) and list(type) op attributes to TensorFlow.

tfjs-node 4.22's binding (binding/tfjs_backend.cc, AssignOpAttr) sets a string or type
attribute from a single value only, so TensorFlow's one-op fused kernels (_FusedMatMul,
_FusedConv2D: MatMul or Conv2D + BiasAdd + Relu, whose `fused_ops` is a list of strings)
cannot be called through it. This adds an array branch to both cases, using
TFE_OpSetAttrStringList and TFE_OpSetAttrTypeList from TensorFlow's C API. Idempotent.

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


def main() -> int:
    source = Path(sys.argv[1]) / "binding" / "tfjs_backend.cc"
    text = source.read_text()
    if MARK in text:
        print(f"{source}: already patched")
        return 0
    for case in (STRING_CASE, TYPE_CASE):
        if text.count(case) != 1:
            print(f"{source}: expected one '{case.strip()}' (another tfjs-node version?)", file=sys.stderr)
            return 1
    text = text.replace(STRING_CASE, STRING_LIST).replace(TYPE_CASE, TYPE_LIST)
    text = "#include <vector>\n" + text
    tmp = source.with_suffix(".cc.tmp")
    tmp.write_text(text)
    tmp.replace(source)
    print(f"{source}: list(string) and list(type) attributes added")
    return 0


if __name__ == "__main__":
    sys.exit(main())
