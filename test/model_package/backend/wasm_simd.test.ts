/**
 * The SIMD kernels' binary embedded in htr_kernels_wasm.ts was built from the C source
 * as it is now: editing htr_kernels.c without `npm run build:wasm-simd` fails here.
 */
import { describe, expect, it } from 'vitest';
import { sourceHash } from '../../../scripts/build_wasm_simd.js';
import { KERNELS_SHARED_WASM, KERNELS_WASM, SOURCE_SHA256 } from '../../../model_package/backend/wasm_simd/htr_kernels_wasm.js';

describe('embedded SIMD kernels', () => {
  it('match the C source they were built from', () => {
    expect(SOURCE_SHA256, 'htr_kernels.c changed: run `npm run build:wasm-simd`').toBe(sourceHash());
  });

  it('are valid wasm modules that import one memory (shared for the threaded build) and export the kernels', () => {
    for (const [text, shared] of [[KERNELS_WASM, false], [KERNELS_SHARED_WASM, true]] as const) {
      const module = new WebAssembly.Module(Buffer.from(text, 'base64'));
      expect(WebAssembly.Module.imports(module)).toEqual([{ module: 'env', name: 'memory', kind: 'memory' }]);
      expect(WebAssembly.Module.exports(module).map((e) => e.name)).toContain('conv2d_filter_grad');
      const memory = new WebAssembly.Memory({ initial: 1, maximum: 16, shared });
      expect(() => new WebAssembly.Instance(module, { env: { memory } })).not.toThrow();
    }
  });
});
