/**
 * Every wasm kernel we register or replace, against the cpu backend on many shapes:
 * strides 1, 2 and [2,1]; same, valid and explicit padding; odd sizes; batch 1;
 * 1 and many channels.
 */
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend, wasmKernelInfo } from '../../../model_package/backend/index.js';
import { simplifyTranspose } from '../../../model_package/backend/wasm_kernels/transpose_merged.js';
import { batchedAsDepthwise } from '../../../model_package/backend/wasm_kernels/batch_mat_mul.js';
import { conv2dBackpropFilter, filterGradientRoute } from '../../../model_package/backend/wasm_kernels/conv2d_backprop_filter.js';
import { conv2dBackpropInput, inputGradientRoute } from '../../../model_package/backend/wasm_kernels/conv2d_backprop_input.js';
import { BATCH_NORM_TRAIN, BATCH_NORM_TRAIN_GRAD, RELU_GRAD } from '../../../model_package/models/layers/fused_kernels.js';
import { batchNormTrainStep, CONV_CASES, expectClose, rnd, runOn, type ConvCase } from './compare.js';

describe('wasm kernels vs cpu', () => {
  let simdAttached: boolean | undefined;
  beforeAll(async () => {
    simdAttached = (await initBackend({ accelerator: 'wasm', numThreads: 1, log: () => {} })).simdKernels;
  });

  it('attaches our SIMD kernels to tfjs-wasm memory, which keeps working after the memory grows', async () => {
    expect(simdAttached).toBe(true);
    const run = () => {
      const x = rnd([2, 9, 12, 3], 1) as tf.Tensor4D;
      const dy = rnd([2, 9, 12, 16], 2) as tf.Tensor4D;
      const before = conv2dBackpropFilter(x, dy, [3, 3, 3, 16], 1, 'same', undefined, 'simd');
      // 256 MiB more than tfjs had: its memory grows, our module's view of it must follow.
      const big = tf.fill([64 * 1024 * 1024], 1);
      const after = conv2dBackpropFilter(x, dy, [3, 3, 3, 16], 1, 'same', undefined, 'auto');
      big.dispose();
      return [before, after];
    };
    const [before, after] = await runOn('wasm', run);
    expectClose([after!], [before!], 0);
  });

  it('registers the gradient kernels wasm lacks and the fast replacements', () => {
    const { set, kernels } = wasmKernelInfo();
    expect(set).toBe('all');
    for (const k of ['Conv2DBackpropFilter', 'Conv2DBackpropInput', 'UnsortedSegmentSum', 'OneHot', 'Sum', 'Mean', 'Tile', 'BatchMatMul', 'StridedSlice', 'Transpose', 'Slice', 'SplitV', 'Identity', 'Cast', 'Reverse', 'FusedBatchNorm']) {
      expect(kernels).toContain(k);
    }
    expect(tf.getKernel('Conv2DBackpropFilter', 'wasm')).toBeDefined();
  });

  it.each(CONV_CASES.map((c) => [JSON.stringify(c), c] as const))('conv2d dX and dW: %s', async (_, c) => {
    const run = () => {
      const x = rnd(c.x, 1) as tf.Tensor4D;
      const f = rnd(c.f, 2) as tf.Tensor4D;
      const y = tf.conv2d(x, f, c.s, c.pad);
      const dy = rnd(y.shape, 3);
      return tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.mul(tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, c.s, c.pad), dy)))([x, f]);
    };
    expectClose(await runOn('wasm', run), await runOn('cpu', run), 2e-5, JSON.stringify(c));
  });

  // The SIMD kernel needs Cout a multiple of 8: every conv case with Cout rounded up, and
  // one large enough to be summed in several chunks of output rows (htr_kernels.c).
  const SIMD_CASES: ConvCase[] = [
    ...CONV_CASES.map((c): ConvCase => ({ ...c, f: [c.f[0], c.f[1], c.f[2], 8 * Math.ceil(c.f[3] / 8)] })),
    { x: [2, 20, 16, 8], f: [3, 3, 8, 64], s: 1, pad: 1 },
    { x: [3, 21, 50, 5], f: [3, 3, 5, 24], s: 2, pad: 'same' },
  ];
  const DW_ROUTE_CASES = [
    ...CONV_CASES.flatMap((c) => (['gemm', 'conv'] as const).map((route) => [route, c] as const)),
    ...SIMD_CASES.map((c) => ['simd', c] as const),
  ].map(([route, c]) => [route, JSON.stringify(c), c] as const);
  it.each(DW_ROUTE_CASES)(
    'conv2d dW by the %s route: %s',
    async (route, _, c) => {
      const inputs = () => {
        const x = rnd(c.x, 1) as tf.Tensor4D;
        const dy = rnd(tf.conv2d(x, rnd(c.f, 2) as tf.Tensor4D, c.s, c.pad).shape, 3) as tf.Tensor4D;
        return { x, dy };
      };
      const filterShape = c.f as [number, number, number, number];
      const wasm = await runOn('wasm', () => {
        const { x, dy } = inputs();
        return conv2dBackpropFilter(x, dy, filterShape, c.s, c.pad, undefined, route);
      });
      const cpu = await runOn('cpu', () => {
        const { x, dy } = inputs();
        return tf.grad((f: tf.Tensor) => tf.sum(tf.mul(tf.conv2d(x, f as tf.Tensor4D, c.s, c.pad), dy)))(tf.zeros(filterShape));
      });
      expectClose(wasm, cpu, 2e-5, `${route} ${JSON.stringify(c)}`);
    },
  );

  // Channel counts that take every path of the SIMD kernels: blocks of 32, 16, 8, 4 and single channels.
  it.each([[[3, 5, 7, 4]], [[2, 9, 6, 16]], [[2, 5, 6, 40]], [[2, 3, 5, 7]], [[4, 3, 5, 1]], [[1, 1, 1, 3]]])(
    'BatchNorm2d + ReLU in train mode by the SIMD kernels: output, gradients, running statistics %j',
    async (shape) => {
      expect(tf.getKernel(BATCH_NORM_TRAIN, 'wasm') && tf.getKernel(BATCH_NORM_TRAIN_GRAD, 'wasm') && tf.getKernel(RELU_GRAD, 'wasm')).toBeDefined();
      const run = () => batchNormTrainStep(shape);
      expectClose(await runOn('wasm', run), await runOn('cpu', run), 1e-4, 'batch norm');
    },
  );

  // The SIMD input gradient needs Cin a multiple of 8: every conv case with Cin rounded up.
  const SIMD_DX_CASES = [
    ...CONV_CASES.map((c) => {
      const cin = 8 * Math.ceil(c.f[2]! / 8);
      return { ...c, x: [c.x[0]!, c.x[1]!, c.x[2]!, cin], f: [c.f[0]!, c.f[1]!, cin, c.f[3]!] };
    }),
    { x: [2, 11, 13, 16], f: [3, 3, 16, 5], s: 2, pad: 1 },
  ];
  it.each(SIMD_DX_CASES.map((c) => [JSON.stringify(c), c] as const))('conv2d dX by the SIMD kernel: %s', async (_, c) => {
    const inputShape = c.x as [number, number, number, number];
    const inputs = () => {
      const f = rnd(c.f, 2) as tf.Tensor4D;
      const dy = rnd(tf.conv2d(rnd(c.x, 1) as tf.Tensor4D, f, c.s, c.pad as 'same').shape, 3) as tf.Tensor4D;
      return { f, dy };
    };
    const wasm = await runOn('wasm', () => {
      const { f, dy } = inputs();
      return conv2dBackpropInput(dy, f, inputShape, c.s, c.pad as 'same', undefined, 'simd');
    });
    const cpu = await runOn('cpu', () => {
      const { f, dy } = inputs();
      return tf.grad((x: tf.Tensor) => tf.sum(tf.mul(tf.conv2d(x as tf.Tensor4D, f, c.s, c.pad as 'same'), dy)))(tf.zeros(inputShape));
    });
    expectClose(wasm, cpu, 2e-5, `simd dX ${JSON.stringify(c)}`);
  });

  it('conv gradients take the routes measured fastest: SIMD filter gradients where Cout allows, SIMD input gradients on one thread or strided', () => {
    expect(filterGradientRoute(32, 64, 1, true)).toBe('simd');
    expect(filterGradientRoute(32, 64, 2, true)).toBe('simd');
    expect(filterGradientRoute(32, 6, 1, true)).toBe('gemm');
    expect(filterGradientRoute(32, 64, 1, false)).toBe('gemm');
    expect(filterGradientRoute(1, 32, 2, false)).toBe('gemm');
    expect(filterGradientRoute(32, 64, 2, false)).toBe('conv');
    expect(inputGradientRoute(32, [1, 1], 1, true)).toBe('simd');
    expect(inputGradientRoute(32, [2, 2], 2, true)).toBe('simd');
    expect(inputGradientRoute(32, [1, 1], 2, true)).toBe('phases');
    expect(inputGradientRoute(12, [2, 2], 1, true)).toBe('phases');
    expect(inputGradientRoute(32, [2, 2], 1, false)).toBe('phases');
  });

  it('reverses leading and middle axes by runs, and the last axis through the stock kernel', async () => {
    const run = () => {
      const x = rnd([3, 3, 5, 4], 40);
      const i = tf.tensor3d(Array.from({ length: 24 }, (_, k) => k), [2, 3, 4], 'int32');
      return [tf.reverse(x, [0, 1]), tf.reverse(x, [1]), tf.reverse(x, [0, 2]), tf.reverse(x, [3]), tf.reverse(x, [1, 3]),
        tf.reverse(rnd([7], 41), 0), tf.cast(tf.reverse(i, [0, 1]), 'float32'), tf.reverse(rnd([2, 0, 3], 42), [0])];
    };
    expectClose(await runOn('wasm', run), await runOn('cpu', run), 0);
  });

  it('batch normalisation with given statistics, with and without scale and offset, 4-D and 2-D', async () => {
    const run = () => {
      const x = tf.add(tf.mul(rnd([3, 5, 7, 6], 50), 4), 2) as tf.Tensor4D;
      const [mean, variance, offset, scale] = [rnd([6], 51), tf.add(tf.abs(rnd([6], 52)), 0.1), rnd([6], 53), rnd([6], 54)] as tf.Tensor1D[];
      const x2 = rnd([9, 6], 55) as tf.Tensor2D;
      return [tf.batchNorm4d(x, mean!, variance!, offset, scale, 1e-3), tf.batchNorm4d(x, mean!, variance!), tf.batchNorm4d(x, mean!, variance!, undefined, scale, 0.5),
        tf.batchNorm2d(x2, mean!, variance!, offset, scale), tf.batchNorm4d(x, tf.tensor1d([0.5]), tf.tensor1d([2]), tf.tensor1d([1]), tf.tensor1d([3]))];
    };
    expectClose(await runOn('wasm', run), await runOn('cpu', run), 1e-5);
  });

  it('unsortedSegmentSum (gather gradient) with repeated and out-of-range ids', async () => {
    const run = () => {
      const x = rnd([7, 5], 4);
      const ids = tf.tensor1d([0, 3, 3, 1, 0, 9, 2], 'int32');
      const emb = rnd([6, 4], 5);
      const gatherGrad = tf.grad((e: tf.Tensor) => tf.sum(tf.mul(tf.gather(e, tf.tensor1d([1, 1, 5, 0], 'int32')), rnd([4, 4], 6))))(emb);
      return [tf.unsortedSegmentSum(x, ids, 4), gatherGrad];
    };
    expectClose(await runOn('wasm', run), await runOn('cpu', run), 1e-6);
  });

  it('oneHot with float32 and fractional on/off values (stock wasm writes int bits)', async () => {
    const run = () => {
      const ids = tf.tensor2d([[0, 3], [2, 1]], [2, 2], 'int32');
      return [tf.oneHot(ids, 4, 1, 0, 'float32'), tf.oneHot(ids, 5, 0.9, 0.025, 'float32'), tf.oneHot(ids, 4)];
    };
    const wasm = await runOn('wasm', run);
    expectClose(wasm, await runOn('cpu', run), 1e-7);
    expect(Array.from(wasm[0]!.data).reduce((p, q) => p + q, 0)).toBe(4);
  });

  it.each([
    [[16, 9, 8], [0, 1]],
    [[4, 7, 9, 5], [0, 1, 2]],
    [[130, 3], [0]],
    [[2, 67, 1], [0, 1]],
    [[8, 9, 10], [1]],
  ] as Array<[number[], number[]]>)('sum and mean over outer axes %j %j', async (shape, axes) => {
    const run = () => {
      const x = rnd(shape, 7);
      return [tf.sum(x, axes), tf.mean(x, axes, true), tf.sum(x, axes, true), tf.mean(x, axes)];
    };
    expectClose(await runOn('wasm', run), await runOn('cpu', run), 1e-5);
  });

  it('tile as broadcast and as a real tile', async () => {
    const run = () => [
      tf.tile(rnd([1, 3, 1, 4], 8), [5, 1, 2, 1]),
      tf.tile(rnd([2, 3], 9), [2, 3]),
      tf.tile(tf.tensor2d([[1, 2]], [1, 2], 'int32'), [3, 1]),
    ];
    expectClose(await runOn('wasm', run), await runOn('cpu', run), 0);
  });

  it.each([
    [[5, 7], [7, 3], false, false],
    [[7, 5], [7, 3], true, false],
    [[5, 7], [3, 7], false, true],
    [[7, 5], [3, 7], true, true],
    [[2, 4, 5, 7], [7, 3], false, false],
    [[2, 4, 5, 7], [3, 7], false, true],
    [[6, 5, 7], [6, 7, 3], false, false],
    [[6, 7, 5], [6, 3, 7], true, true],
    [[2, 4, 7, 5], [2, 4, 3, 7], true, true],
    // Batched and big enough for the depthwise-conv route (attention shapes).
    [[8, 33, 32], [8, 32, 40], false, false],
    [[8, 32, 33], [8, 40, 32], true, true],
    [[8, 33, 32], [8, 40, 32], false, true],
    [[2, 4, 32, 17], [2, 4, 32, 64], true, false],
  ] as Array<[number[], number[], boolean, boolean]>)('batchMatMul %j x %j tA=%s tB=%s', async (as, bs, ta, tb) => {
    const run = () => tf.matMul(rnd(as, 10) as tf.Tensor3D, rnd(bs, 11) as tf.Tensor3D, ta, tb);
    expectClose(await runOn('wasm', run), await runOn('cpu', run), 1e-5);
  });

  it.each([[false, false], [true, false], [false, true], [true, true]])('batched product as a depthwise conv, tA=%s tB=%s', async (ta, tb) => {
    const run = () => batchedAsDepthwise(
      rnd(ta ? [5, 7, 3] : [5, 3, 7], 15) as tf.Tensor3D, rnd(tb ? [5, 4, 7] : [5, 7, 4], 16) as tf.Tensor3D, ta, tb);
    const ref = () => tf.matMul(rnd(ta ? [5, 7, 3] : [5, 3, 7], 15) as tf.Tensor3D, rnd(tb ? [5, 4, 7] : [5, 7, 4], 16) as tf.Tensor3D, ta, tb);
    expectClose(await runOn('wasm', run), await runOn('cpu', ref), 1e-5);
  });

  it('slices and splits of every rank, contiguous or not, float and int', async () => {
    const run = () => {
      const x = rnd([5, 6, 7, 3], 17);
      const ints = tf.cast(tf.mul(rnd([4, 9], 18), 100), 'int32');
      return [
        tf.slice(rnd([1000], 19), [300], [128]),
        tf.slice(x, [1, 2, 3, 1], [3, 2, 4, 2]),
        tf.slice(x, [2, 0, 0, 0], [2, 6, 7, 3]),
        tf.slice(x, [0, 1, 0, 0], [5, 4, 7, 3]),
        tf.slice(x, [0, 0, 0, 2], [-1, -1, -1, 1]),
        tf.slice(x, [0, 0, 0, 0], [0, 6, 7, 3]),
        tf.cast(tf.slice(ints, [1, 2], [2, 5]), 'float32'),
        ...tf.split(x, [1, 3, 2], 1),
        ...tf.split(x, 3, 3),
        ...tf.split(rnd([900], 20), [100, 500, 300]),
      ];
    };
    expectClose(await runOn('wasm', run), await runOn('cpu', run), 0);
  });

  it('clone and same-dtype cast share the data, outlive their source, and real casts still convert', async () => {
    await tf.setBackend('wasm');
    const before = tf.memory();
    const x = tf.tensor2d([[1.5, -2.5], [3.25, 4]]);
    const copy = tf.clone(x);
    const same = tf.cast(x, 'float32');
    expect(tf.memory().numDataBuffers).toBe(before.numDataBuffers + 1);
    x.dispose();
    expect(Array.from(copy.dataSync())).toEqual([1.5, -2.5, 3.25, 4]);
    expect(Array.from(same.dataSync())).toEqual([1.5, -2.5, 3.25, 4]);
    const ints = tf.cast(copy, 'int32');
    expect(ints.dtype).toBe('int32');
    expect(Array.from(ints.dataSync())).toEqual([1, -2, 3, 4]);
    tf.dispose([copy, same, ints]);
    expect(tf.memory().numDataBuffers).toBe(before.numDataBuffers);
  });

  it('strided slices, including negative steps and shrink axes', async () => {
    const run = () => {
      const x = rnd([5, 9, 7, 3], 12);
      return [
        tf.stridedSlice(x, [0, 1, 0, 0], [5, 9, 7, 3], [1, 2, 3, 1]),
        tf.stridedSlice(x, [1, 0, 6, 0], [5, 9, 0, 3], [2, 1, -2, 1]),
        tf.stridedSlice(x, [0, 0, 0, 1], [5, 9, 7, 2], [2, 2, 1, 1], 0, 0, 0, 0, 8),
        tf.stridedSlice(x, [1, 2, 0, 0], [4, 8, 7, 3], [1, 1, 1, 1]),
      ];
    };
    expectClose(await runOn('wasm', run), await runOn('cpu', run), 0);
  });

  it('transposes with mergeable axes', async () => {
    expect(simplifyTranspose([16, 28, 256, 32], [1, 2, 0, 3])).toEqual({ shape: [16, 28 * 256, 32], perm: [1, 0, 2] });
    expect(simplifyTranspose([4, 1, 5], [2, 1, 0])).toEqual({ shape: [4, 5], perm: [1, 0] });
    const run = () => {
      const x = rnd([3, 4, 5, 6], 13);
      return [
        tf.transpose(x, [1, 2, 0, 3]),
        tf.transpose(x, [3, 1, 2, 0]),
        tf.transpose(x, [0, 1, 3, 2]),
        tf.transpose(rnd([1, 4, 1, 5], 14), [3, 2, 1, 0]),
      ];
    };
    expectClose(await runOn('wasm', run), await runOn('cpu', run), 0);
  });
});
