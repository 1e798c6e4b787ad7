#!/usr/bin/env bash
# Builds @tensorflow/tfjs-node's native addon against the libtensorflow that ships
# inside a TensorFlow pip wheel, into the git-ignored .native/ folder. Nothing here
# downloads libtensorflow from Google's bucket (tfjs-node's own install script does,
# and that is what fails offline or on a modern CUDA).
#
#   npm run setup:native                  # CPU wheel (tensorflow-cpu)
#   HTR_TF_WHEEL=tensorflow npm run setup:native          # CUDA wheel, see README "Tensor backends"
#   HTR_TF_WHEEL_FILE=/path/x.whl npm run setup:native    # a wheel you already have
#
# Result: .native/node_modules/@tensorflow/tfjs-node/lib/napi-v8/tfjs_binding.node,
# loaded by model_package/backend (accelerator=native) when present.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
NATIVE="$ROOT/.native"
TFJS_NODE_VERSION="${HTR_TFJS_NODE_VERSION:-4.22.0}"
PROTOBUF_VERSION=3.21.4
WHEEL_NAME="${HTR_TF_WHEEL:-tensorflow-cpu}"
WORK="$NATIVE/work"
PKG="$NATIVE/node_modules/@tensorflow/tfjs-node"

step() { printf '\n[setup:native] %s\n' "$*"; }
fail() { printf '\n[setup:native] FAILED at: %s\n' "$*" >&2; exit 1; }

command -v g++ >/dev/null || fail "no C++ compiler (install g++ / build-essential)"
command -v make >/dev/null || fail "no make"
command -v python3 >/dev/null || fail "no python3 (node-gyp and pip need it)"
NODE_BIN="$(command -v node)"
NPM_BIN="$(command -v npm)" || fail "no npm"

mkdir -p "$WORK"

# 1. The wheel.
if [[ -n "${HTR_TF_WHEEL_FILE:-}" ]]; then
  WHEEL="$HTR_TF_WHEEL_FILE"
else
  WHEEL="$(ls "$WORK"/${WHEEL_NAME//-/_}-*.whl 2>/dev/null | head -1 || true)"
  if [[ -z "$WHEEL" ]]; then
    step "pip download $WHEEL_NAME (no dependencies; only its shared libraries are used)"
    python3 -m pip download "$WHEEL_NAME" --no-deps --only-binary=:all: -d "$WORK" \
      || fail "pip download $WHEEL_NAME"
    WHEEL="$(ls "$WORK"/${WHEEL_NAME//-/_}-*.whl | head -1)"
  fi
fi
[[ -f "$WHEEL" ]] || fail "wheel not found: $WHEEL"
step "wheel: $WHEEL"

# 2. tfjs-node's sources from the npm registry (no install scripts run).
if [[ ! -f "$PKG/binding.gyp" ]]; then
  step "npm pack @tensorflow/tfjs-node@$TFJS_NODE_VERSION"
  (cd "$WORK" && "$NPM_BIN" pack "@tensorflow/tfjs-node@$TFJS_NODE_VERSION" --silent >/dev/null) \
    || fail "npm pack @tensorflow/tfjs-node@$TFJS_NODE_VERSION"
  rm -rf "$PKG" && mkdir -p "$PKG"
  tar xzf "$WORK/tensorflow-tfjs-node-$TFJS_NODE_VERSION.tgz" -C "$PKG" --strip-components=1 \
    || fail "unpacking the tfjs-node tarball"
fi

# 3. libtensorflow + C API headers out of the wheel, where binding.gyp expects them.
step "extracting libtensorflow_cc.so.2, libtensorflow_framework.so.2 and headers"
rm -rf "$PKG/deps" "$WORK/wheel" && mkdir -p "$PKG/deps/lib" "$WORK/wheel"
python3 - "$WHEEL" "$WORK/wheel" <<'PY' || fail "extracting the wheel"
import sys, zipfile
wheel, out = sys.argv[1], sys.argv[2]
with zipfile.ZipFile(wheel) as z:
    names = [n for n in z.namelist()
             if n in ("tensorflow/libtensorflow_cc.so.2", "tensorflow/libtensorflow_framework.so.2")
             or n.startswith("tensorflow/include/tensorflow/c/")
             or n.startswith("tensorflow/include/tensorflow/core/platform/ctstring")
             or n.startswith("tensorflow/include/xla/tsl/c/")
             or n.startswith("tensorflow/include/tsl/platform/ctstring")]
    if not any(n.endswith("libtensorflow_cc.so.2") for n in names):
        sys.exit("the wheel has no tensorflow/libtensorflow_cc.so.2")
    for n in names:
        z.extract(n, out)
PY
mv "$WORK/wheel/tensorflow/libtensorflow_cc.so.2" "$WORK/wheel/tensorflow/libtensorflow_framework.so.2" "$PKG/deps/lib/"
mv "$WORK/wheel/tensorflow/include" "$PKG/deps/include"
# binding.gyp links -ltensorflow: the wheel's libtensorflow_cc carries the C API symbols.
ln -sf libtensorflow_cc.so.2 "$PKG/deps/lib/libtensorflow.so.2"
ln -sf libtensorflow.so.2 "$PKG/deps/lib/libtensorflow.so"
ln -sf libtensorflow_framework.so.2 "$PKG/deps/lib/libtensorflow_framework.so"

# 4. Build the addon with npm's bundled node-gyp and this Node's own headers.
NODE_PREFIX="$(cd "$(dirname "$(readlink -f "$NODE_BIN")")/.." && pwd)"
GYP="$(dirname "$(readlink -f "$NPM_BIN")")/../node_modules/node-gyp/bin/node-gyp.js"
[[ -f "$GYP" ]] || GYP="$("$NPM_BIN" root -g)/npm/node_modules/node-gyp/bin/node-gyp.js"
[[ -f "$GYP" ]] || fail "npm's bundled node-gyp not found"
[[ -f "$NODE_PREFIX/include/node/node_api.h" ]] || fail "Node headers not found under $NODE_PREFIX/include/node"
step "node-gyp rebuild (nodedir=$NODE_PREFIX, napi 8)"
(cd "$PKG" && "$NODE_BIN" "$GYP" rebuild --nodedir="$NODE_PREFIX" --napi_build_version=8 \
  --module_name=tfjs_binding --module_path="$PKG/lib/napi-v8" -j 2) || fail "node-gyp build of tfjs_binding"
[[ -f "$PKG/lib/napi-v8/tfjs_binding.node" ]] || fail "tfjs_binding.node was not produced"

# 5. tfjs-node's kernels require('@tensorflow/tfjs'); point that at the project's tfjs-core
#    so they register into the same engine instead of a second copy.
SHIM="$NATIVE/node_modules/@tensorflow/tfjs"
mkdir -p "$SHIM"
printf '{"name":"@tensorflow/tfjs","version":"%s","main":"index.js"}\n' "$TFJS_NODE_VERSION" > "$SHIM/package.json"
printf "module.exports = require('@tensorflow/tfjs-core');\n" > "$SHIM/index.js"

# Its backend class loads a protobuf schema (summaries) at import: google-protobuf has no
# dependencies, so unpack it beside tfjs-node rather than running an install.
if [[ ! -f "$NATIVE/node_modules/google-protobuf/package.json" ]]; then
  step "npm pack google-protobuf@$PROTOBUF_VERSION"
  (cd "$WORK" && "$NPM_BIN" pack "google-protobuf@$PROTOBUF_VERSION" --silent >/dev/null) || fail "npm pack google-protobuf"
  mkdir -p "$NATIVE/node_modules/google-protobuf"
  tar xzf "$WORK/google-protobuf-$PROTOBUF_VERSION.tgz" -C "$NATIVE/node_modules/google-protobuf" --strip-components=1 \
    || fail "unpacking google-protobuf"
fi

# Which wheel this build came from: the loader uses a CUDA build for accelerator=gpu.
FLAVOR=cpu; [[ "$(basename "$WHEEL")" == tensorflow_cpu-* ]] || FLAVOR=gpu
printf '{"wheel":"%s","flavor":"%s","tfjs_node":"%s"}\n' "$(basename "$WHEEL")" "$FLAVOR" "$TFJS_NODE_VERSION" > "$NATIVE/build.json"

rm -rf "$WORK/wheel"
step "smoke test"
(cd "$ROOT" && "$NODE_BIN" -e "
  const b = require('$PKG/lib/napi-v8/tfjs_binding.node');
  require('$PKG/dist/nodejs_kernel_backend.js');
  console.log('[setup:native] TensorFlow', b.TF_Version);
") || fail "loading the built addon"
step "done: accelerator=native will use $PKG"
