/**
 * Loading the TensorFlow C++ backends (`tensorflow` in tfjs terms). Two sources:
 *  1. our own build in `.native/` made by `npm run setup:native` from a TensorFlow
 *     pip wheel (works offline, any TF/CUDA version);
 *  2. an installed `@tensorflow/tfjs-node` / `@tensorflow/tfjs-node-gpu` package.
 * Both are optional: nothing here is imported statically.
 */
import * as tf from '@tensorflow/tfjs-core';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { registerNativeKernels, TF_BACKEND_NAME } from './native_kernels.js';

/** Repository root (this file is model_package/backend/native.ts). */
export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

export interface NativeBuildInfo {
  readonly dir: string;
  readonly packageDir: string;
  readonly bindingPath: string;
  readonly flavor: 'cpu' | 'gpu';
  readonly wheel: string;
}

/** Where `npm run setup:native` builds: `.native/` in the repository, or `HTR_NATIVE_DIR`. */
export function nativeDir(env: NodeJS.ProcessEnv = process.env): string {
  return env.HTR_NATIVE_DIR ?? path.join(REPO_ROOT, '.native');
}

/**
 * The `.native/` build, if `npm run setup:native` has completed one. The script writes
 * `build.json` last, so a build still in progress (another process's) is not taken.
 */
export function findNativeBuild(dir = nativeDir()): NativeBuildInfo | null {
  const packageDir = path.join(dir, 'node_modules', '@tensorflow', 'tfjs-node');
  const bindingPath = path.join(packageDir, 'lib', 'napi-v8', 'tfjs_binding.node');
  const infoFile = path.join(dir, 'build.json');
  if (!existsSync(bindingPath) || !existsSync(infoFile)) return null;
  const info = JSON.parse(readFileSync(infoFile, 'utf8')) as { flavor?: string; wheel?: string };
  return { dir, packageDir, bindingPath, flavor: info.flavor === 'gpu' ? 'gpu' : 'cpu', wheel: info.wheel ?? 'unknown' };
}

/**
 * TensorFlow's CPU build runs convolutions, BatchNorm and matmuls through oneDNN only when
 * TF_ENABLE_ONEDNN_OPTS=1 on CPUs without AVX-512 (it defaults to Eigen there). On the
 * 2-core AVX2 machine, the 30-minute main job made 1.38× more steps with oneDNN (see
 * docs/benchmarks.md). TensorFlow reads the variable once, at its first op, so this must
 * run before the library loads. A value the user set wins (0 turns oneDNN off).
 */
export function preferOneDnn(env: NodeJS.ProcessEnv = process.env): void {
  env.TF_ENABLE_ONEDNN_OPTS ??= '1';
}

type KernelBackendCtor = new (binding: unknown, packageName: string) => tf.KernelBackend;

/**
 * Registers tfjs-node's kernels and its backend class with OUR tfjs-core (the `.native`
 * folder maps `@tensorflow/tfjs` to it), then selects it. We skip tfjs-node's index.js
 * because it drags in the whole tfjs union package (layers, converter, data).
 */
export async function loadNativeBuild(build: NativeBuildInfo): Promise<void> {
  if (!tf.findBackend(TF_BACKEND_NAME)) {
    preferOneDnn();
    const req = createRequire(path.join(build.packageDir, 'package.json'));
    const binding: unknown = req(build.bindingPath);
    const { NodeJSKernelBackend } = req('./dist/nodejs_kernel_backend.js') as { NodeJSKernelBackend: KernelBackendCtor };
    req('./dist/register_all_kernels.js');
    tf.registerBackend(TF_BACKEND_NAME, () => new NodeJSKernelBackend(binding, 'htr-ts-native'), 3);
  }
  registerNativeKernels();
  if (!(await tf.setBackend(TF_BACKEND_NAME))) throw new Error(`the ${TF_BACKEND_NAME} backend failed to initialise`);
}

/** Loads an installed npm package (tfjs-node or tfjs-node-gpu); it selects its backend on import. */
export async function loadNodePackage(name: '@tensorflow/tfjs-node' | '@tensorflow/tfjs-node-gpu'): Promise<void> {
  const spec: string = name; // a variable keeps tsc from resolving an optional, usually absent module
  preferOneDnn();
  await import(spec);
  registerNativeKernels();
  if (!(await tf.setBackend(TF_BACKEND_NAME))) throw new Error(`${name} loaded but its backend failed to initialise`);
}

/** Is `name` resolvable from here (without loading it)? */
export function isInstalled(name: string): boolean {
  try {
    createRequire(import.meta.url).resolve(name);
    return true;
  } catch {
    return false;
  }
}
