#!/usr/bin/env bash
# Builds @tensorflow/tfjs-node's native addon against the libtensorflow that ships
# inside a TensorFlow pip wheel, into the git-ignored .native/ folder. Nothing here
# downloads libtensorflow from Google's bucket (tfjs-node's own install script does,
# and that is what fails offline or on a modern CUDA).
#
#   npm run setup:native                  # CPU wheel (tensorflow-cpu)
#   HTR_TF_WHEEL=tensorflow npm run setup:native          # CUDA wheel, see README "Tensor backends"
#   HTR_TF_WHEEL_FILE=/path/x.whl npm run setup:native    # a wheel you already have
#   bash scripts/setup_native.sh --check  # only check the prerequisites (exit 0 or 3)
#
# Result: .native/node_modules/@tensorflow/tfjs-node/lib/napi-v8/tfjs_binding.node,
# loaded by model_package/backend (accelerator=native) once .native/build.json, written
# last, marks the build complete. A training run with accelerator=auto runs this script
# itself on first use (model_package/backend/native_build/), which reads the exit code:
#   0 built, 3 a prerequisite is missing, 4 the wheel could not be fetched,
#   5 another build holds .native/build.lock, 1 anything else.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
NATIVE="${HTR_NATIVE_DIR:-$ROOT/.native}"
TFJS_NODE_VERSION="${HTR_TFJS_NODE_VERSION:-4.22.0}"
PROTOBUF_VERSION=3.21.4
WHEEL_NAME="${HTR_TF_WHEEL:-tensorflow-cpu}"
WORK="$NATIVE/work"
PKG="$NATIVE/node_modules/@tensorflow/tfjs-node"

STEPS=5
step() { printf '\n[setup:native] %s\n' "$*"; }
# fail [exit code] message: the code tells the first-use builder why (see the header).
fail() {
  local code=1
  [[ "$1" =~ ^[0-9]+$ ]] && { code="$1"; shift; }
  printf '\n[setup:native] FAILED at: %s\n' "$*" >&2
  exit "$code"
}

cached_wheel() { ls "$WORK"/${WHEEL_NAME//-/_}-*.whl 2>/dev/null | head -1 || true; }

# Everything the build needs from the machine, as one "missing: ..." list.
check_prerequisites() {
  local missing=()
  command -v g++ >/dev/null || missing+=("g++")
  command -v make >/dev/null || missing+=("make")
  if ! command -v python3 >/dev/null; then
    missing+=("python3")
  elif [[ -z "${HTR_TF_WHEEL_FILE:-}" && -z "$(cached_wheel)" ]] && ! python3 -m pip --version >/dev/null 2>&1; then
    missing+=("pip (python3 -m pip)")
  fi
  command -v npm >/dev/null || missing+=("npm")
  if ((${#missing[@]})); then
    local list; list="$(printf '%s, ' "${missing[@]}")"
    printf '[setup:native] missing: %s\n' "${list%, }" >&2
    return 3
  fi
}

if [[ "${1:-}" == "--check" ]]; then
  check_prerequisites || exit 3
  echo "[setup:native] prerequisites found"
  exit 0
fi
check_prerequisites || fail 3 "prerequisites (install them, e.g. apt-get install g++ make python3-pip)"
NODE_BIN="$(command -v node)"
NPM_BIN="$(command -v npm)"

mkdir -p "$WORK"

# One build at a time: the first-use builder takes the same lock (O_EXCL create, which is
# what noclobber does) and sets HTR_NATIVE_LOCK_HELD for the script it runs.
if [[ -z "${HTR_NATIVE_LOCK_HELD:-}" ]]; then
  LOCK="$NATIVE/build.lock"
  take_lock() { (set -C; printf '{"pid":%d,"host":"%s","started":"%s"}\n' $$ "$HOSTNAME" "$(date -u +%FT%TZ)" > "$LOCK") 2>/dev/null; }
  if ! take_lock; then
    HOLDER="$(grep -o '"pid":[0-9]*' "$LOCK" 2>/dev/null | grep -o '[0-9]*$' || true)"
    # A lock left by a build that was killed is taken over; a live one is not.
    if [[ -n "$HOLDER" ]] && ! kill -0 "$HOLDER" 2>/dev/null; then rm -f "$LOCK"; fi
    take_lock || fail 5 "another build holds $LOCK ($(cat "$LOCK" 2>/dev/null)); wait for it, or delete the file if no build is running"
  fi
  trap 'rm -f "$LOCK"' EXIT
fi
# Not complete until build.json is written again at the very end.
rm -f "$NATIVE/build.json"

# 1. The wheel.
if [[ -n "${HTR_TF_WHEEL_FILE:-}" ]]; then
  WHEEL="$HTR_TF_WHEEL_FILE"
else
  WHEEL="$(cached_wheel)"
  if [[ -z "$WHEEL" ]]; then
    step "step 1/$STEPS: pip download $WHEEL_NAME (no dependencies; only its shared libraries are used)"
    python3 -m pip download "$WHEEL_NAME" --no-deps --only-binary=:all: -d "$WORK" \
      || fail 4 "pip download $WHEEL_NAME"
    WHEEL="$(ls "$WORK"/${WHEEL_NAME//-/_}-*.whl | head -1)"
  fi
fi
[[ -f "$WHEEL" ]] || fail 4 "wheel not found: $WHEEL"
step "step 1/$STEPS: wheel $WHEEL"

# 2. tfjs-node's sources from the npm registry (no install scripts run), unpacked afresh
#    each time so that step 4 patches pristine sources.
TARBALL="$WORK/tensorflow-tfjs-node-$TFJS_NODE_VERSION.tgz"
if [[ ! -f "$TARBALL" ]]; then
  step "step 2/$STEPS: npm pack @tensorflow/tfjs-node@$TFJS_NODE_VERSION"
  (cd "$WORK" && "$NPM_BIN" pack "@tensorflow/tfjs-node@$TFJS_NODE_VERSION" --silent >/dev/null) \
    || fail "npm pack @tensorflow/tfjs-node@$TFJS_NODE_VERSION"
fi
rm -rf "$PKG" && mkdir -p "$PKG"
tar xzf "$TARBALL" -C "$PKG" --strip-components=1 || { rm -f "$TARBALL"; fail "unpacking the tfjs-node tarball (removed; run again)"; }

# 3. libtensorflow + C API headers out of the wheel, where binding.gyp expects them.
step "step 3/$STEPS: extracting libtensorflow_cc.so.2, libtensorflow_framework.so.2 and headers"
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
[[ -f "$GYP" ]] || fail 3 "npm's bundled node-gyp not found"
[[ -f "$NODE_PREFIX/include/node/node_api.h" ]] || fail 3 "Node headers not found under $NODE_PREFIX/include/node"
step "step 4/$STEPS: node-gyp rebuild (nodedir=$NODE_PREFIX, napi 8)"
# list(string)/list(type) attributes (TensorFlow's one-op fused MatMul and Conv2D kernels) and graph functions.
python3 "$ROOT/scripts/patch_tfjs_binding.py" "$PKG" || fail "patching tfjs-node's binding"
(cd "$PKG" && "$NODE_BIN" "$GYP" rebuild --nodedir="$NODE_PREFIX" --napi_build_version=8 \
  --module_name=tfjs_binding --module_path="$PKG/lib/napi-v8" -j 2) || fail "node-gyp build of tfjs_binding"
[[ -f "$PKG/lib/napi-v8/tfjs_binding.node" ]] || fail "tfjs_binding.node was not produced"

# 5. tfjs-node's kernels require('@tensorflow/tfjs'); point that at the project's tfjs-core
#    so they register into the same engine instead of a second copy.
SHIM="$NATIVE/node_modules/@tensorflow/tfjs"
mkdir -p "$SHIM"
printf '{"name":"@tensorflow/tfjs","version":"%s","main":"index.js"}\n' "$TFJS_NODE_VERSION" > "$SHIM/package.json"
printf "module.exports = require('@tensorflow/tfjs-core');\n" > "$SHIM/index.js"
# tfjs-node's kernels also require('@tensorflow/tfjs-core'). Inside the checkout that finds the project's copy;
# an HTR_NATIVE_DIR elsewhere gets a link to it (a link, so that it is the same module, not a second engine).
case "$(cd "$NATIVE" && pwd -P)/" in
  "$(cd "$ROOT" && pwd -P)/"*) ;;
  *) ln -sfn "$(cd "$ROOT/node_modules/@tensorflow/tfjs-core" && pwd -P)" "$NATIVE/node_modules/@tensorflow/tfjs-core" \
       || fail 3 "@tensorflow/tfjs-core not installed in $ROOT (run npm ci)" ;;
esac

# Its backend class loads a protobuf schema (summaries) at import: google-protobuf has no
# dependencies, so unpack it beside tfjs-node rather than running an install.
if [[ ! -f "$NATIVE/node_modules/google-protobuf/package.json" ]]; then
  step "npm pack google-protobuf@$PROTOBUF_VERSION"
  (cd "$WORK" && "$NPM_BIN" pack "google-protobuf@$PROTOBUF_VERSION" --silent >/dev/null) || fail "npm pack google-protobuf"
  mkdir -p "$NATIVE/node_modules/google-protobuf"
  tar xzf "$WORK/google-protobuf-$PROTOBUF_VERSION.tgz" -C "$NATIVE/node_modules/google-protobuf" --strip-components=1 \
    || fail "unpacking google-protobuf"
fi

rm -rf "$WORK/wheel"
step "step 5/$STEPS: smoke test"
(cd "$ROOT" && "$NODE_BIN" -e "
  const b = require('$PKG/lib/napi-v8/tfjs_binding.node');
  require('$PKG/dist/nodejs_kernel_backend.js');
  require('$PKG/dist/register_all_kernels.js');
  if (typeof b.addGraphFunction !== 'function') throw new Error('the addon has no graph functions (scripts/patch_tfjs_binding.py)');
  console.log('[setup:native] TensorFlow', b.TF_Version);
") || fail "loading the built addon"

# Which wheel this build came from (the loader uses a CUDA build for accelerator=gpu).
# Written last and renamed into place: the loader takes a build only once this file exists.
FLAVOR=cpu; [[ "$(basename "$WHEEL")" == tensorflow_cpu-* ]] || FLAVOR=gpu
printf '{"wheel":"%s","flavor":"%s","tfjs_node":"%s"}\n' "$(basename "$WHEEL")" "$FLAVOR" "$TFJS_NODE_VERSION" > "$NATIVE/build.json.tmp"
mv -f "$NATIVE/build.json.tmp" "$NATIVE/build.json"
step "done: accelerator=native will use $PKG"
