/**
 * Floating-point operations of the kernels that do a model's arithmetic: convolutions
 * (forward and both gradients) and matrix products. A multiply-add counts as 2, as in
 * every GFLOP/s figure quoted for BLAS libraries. Element-wise kernels, reductions and
 * data movement count 0: they are bound by memory, not arithmetic, and their share of a
 * step is reported as time, not operations.
 *
 * Used by bench/profile_step.ts to say how fast each engine does the arithmetic that
 * any implementation of the model (PyTorch's included) has to do.
 */
interface ShapeOf {
  readonly shape: readonly number[];
}

const size = (shape: readonly number[]): number => shape.reduce((p, d) => p * d, 1);

/** 2·|out|·kh·kw·Cin for a convolution whose output (or output gradient) is `out`. */
function convFlops(out: readonly number[], filterShape: readonly number[]): number {
  const [kh = 1, kw = 1, cin = 1] = filterShape;
  return 2 * size(out) * kh * kw * cin;
}

/** 2·|out|·K for a (batched) matrix product a·b with the given transposes. */
function matMulFlops(a: readonly number[], out: readonly number[], transposeA: boolean): number {
  const k = transposeA ? a[a.length - 2]! : a[a.length - 1]!;
  return 2 * size(out) * k;
}

/**
 * Operations one kernel call performs, from its inputs, attributes and output; 0 for
 * kernels that are not convolutions or matrix products.
 */
export function kernelFlops(
  name: string,
  inputs: Readonly<Record<string, ShapeOf | undefined>>,
  attrs: Readonly<Record<string, unknown>>,
  output: ShapeOf | undefined,
): number {
  switch (name) {
    case 'Conv2D':
    case 'FusedConv2D':
      return output && inputs.filter ? convFlops(output.shape, inputs.filter.shape) : 0;
    case 'Conv2DBackpropInput':
      return inputs.dy && inputs.filter ? convFlops(inputs.dy.shape, inputs.filter.shape) : 0;
    case 'Conv2DBackpropFilter':
      return inputs.dy && Array.isArray(attrs.filterShape) ? convFlops(inputs.dy.shape, attrs.filterShape as number[]) : 0;
    case 'DepthwiseConv2dNative':
      // One multiply-add per filter tap per output element (the channel multiplier is in the output's depth).
      return output && inputs.filter ? 2 * size(output.shape) * inputs.filter.shape[0]! * inputs.filter.shape[1]! : 0;
    case 'BatchMatMul':
    case '_FusedMatMul':
      return output && inputs.a ? matMulFlops(inputs.a.shape, output.shape, attrs.transposeA === true) : 0;
    default:
      return 0;
  }
}
