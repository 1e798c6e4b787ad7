/*
 * SIMD kernels that tfjs-backend-wasm lacks or runs slowly, compiled to a small wasm
 * module that imports tfjs-wasm's own memory, so they read and write tensors in place
 * (pointers are tfjs's memory offsets). Rebuild with `npm run build:wasm-simd` (clang
 * with the wasm32 target and wasm-ld); the binary is embedded in htr_kernels_wasm.ts.
 *
 * No function may touch the C stack (no locals whose address is taken, no arrays):
 * the module has no stack of its own, and tfjs's memory is not ours to carve one from.
 * `npm run build:wasm-simd` checks the binary never reads __stack_pointer.
 */
#include <wasm_simd128.h>

static inline int patch_row_offset(int r, int rows, int cin, int kw, int x_row) {
  if (r >= rows) r = rows - 1; /* rows past the end repeat the last; their sums are not stored */
  const int ci = r % cin, tap = r / cin;
  return (tap / kw) * x_row + (tap % kw) * cin + ci;
}

#define ACCUMULATE(k)                                              \
  {                                                                \
    const v128_t s = wasm_v128_load32_splat(xp + off##k);          \
    acc##k##0 = wasm_f32x4_add(acc##k##0, wasm_f32x4_mul(s, d0));  \
    acc##k##1 = wasm_f32x4_add(acc##k##1, wasm_f32x4_mul(s, d1));  \
  }

#define ADD_TO_OUTPUT(k)                                                         \
  if (rb + k < rows) {                                                           \
    float *o = dw + (rb + k) * cout + cb;                                        \
    wasm_v128_store(o, wasm_f32x4_add(wasm_v128_load(o), acc##k##0));            \
    wasm_v128_store(o + 4, wasm_f32x4_add(wasm_v128_load(o + 4), acc##k##1));    \
  }

/*
 * The filter gradient of an NHWC convolution, without building the patch matrix:
 *   dw[a, b, ci, co] = sum over n, i, j of x_padded[n, i*sh + a, j*sw + b, ci] * dy[n, i, j, co]
 * with x_padded the input already padded (and cropped) so that every tap reads inside it.
 * dw is [kh*kw*cin, cout], i.e. [kh, kw, cin, cout]; cout must be a multiple of 8.
 * Each 4x8 block of dw is summed in 8 SIMD registers over a chunk of output rows, the
 * chunk sized so that its dy (read once per block) stays in the L1/L2 cache.
 */
__attribute__((export_name("conv2d_filter_grad")))
void conv2d_filter_grad(const float *x_padded, const float *dy, float *dw,
                        int n, int hp, int wp, int cin, int ho, int wo, int cout,
                        int kh, int kw, int sh, int sw) {
  const int rows = kh * kw * cin;
  for (int i = 0; i < rows * cout; i++) dw[i] = 0.f;
  const int x_row = wp * cin, x_step = sw * cin, out_rows = n * ho;
  int chunk = 16384 / (wo * cout); /* about 64 KB of dy */
  if (chunk < 1) chunk = 1;
  for (int r0 = 0; r0 < out_rows; r0 += chunk) {
    const int r1 = r0 + chunk < out_rows ? r0 + chunk : out_rows;
    for (int rb = 0; rb < rows; rb += 4) {
      const int off0 = patch_row_offset(rb, rows, cin, kw, x_row);
      const int off1 = patch_row_offset(rb + 1, rows, cin, kw, x_row);
      const int off2 = patch_row_offset(rb + 2, rows, cin, kw, x_row);
      const int off3 = patch_row_offset(rb + 3, rows, cin, kw, x_row);
      for (int cb = 0; cb < cout; cb += 8) {
        const v128_t z = wasm_f32x4_splat(0.f);
        v128_t acc00 = z, acc01 = z, acc10 = z, acc11 = z, acc20 = z, acc21 = z, acc30 = z, acc31 = z;
        for (int orow = r0; orow < r1; orow++) {
          const float *x_row_start = x_padded + ((orow / ho) * hp + (orow % ho) * sh) * x_row;
          const float *dp = dy + orow * wo * cout + cb;
          const float *x_row_end = x_row_start + wo * x_step;
          for (const float *xp = x_row_start; xp < x_row_end; xp += x_step, dp += cout) {
            const v128_t d0 = wasm_v128_load(dp), d1 = wasm_v128_load(dp + 4);
            ACCUMULATE(0) ACCUMULATE(1) ACCUMULATE(2) ACCUMULATE(3)
          }
        }
        ADD_TO_OUTPUT(0) ADD_TO_OUTPUT(1) ADD_TO_OUTPUT(2) ADD_TO_OUTPUT(3)
      }
    }
  }
}

/*
 * Train-mode BatchNorm over the last axis of x [rows, c] (NHWC flattened), and its
 * gradient: one call each way instead of the dozen full-size tfjs kernels autodiff or
 * the closed form needs. Channels are summed in blocks of 32 held in registers (a
 * block's 128 bytes of each row are two whole cache lines, so blocking reads no more
 * memory than one pass), then blocks of 4, then one at a time.
 */
#define CHANNEL_BLOCKS(BODY32, BODY4, BODY1)      \
  {                                               \
    int c0 = 0;                                   \
    for (; c0 + 32 <= c; c0 += 32) { BODY32 }     \
    for (; c0 + 4 <= c; c0 += 4) { BODY4 }        \
    for (; c0 < c; c0++) { BODY1 }                \
  }

/* out[c0 .. c0+4w) = sum over rows of f(x[r, c0 ..]) with f applied per vector. */
#define SUM_ROWS(W, EXPR, OUT)                                                    \
  {                                                                               \
    v128_t acc[W];                                                                \
    for (int k = 0; k < W; k++) acc[k] = wasm_f32x4_splat(0.f);                   \
    for (int r = 0; r < rows; r++) {                                              \
      const int base = r * c + c0;                                                \
      for (int k = 0; k < W; k++) acc[k] = wasm_f32x4_add(acc[k], EXPR);          \
    }                                                                             \
    for (int k = 0; k < W; k++) wasm_v128_store(OUT + c0 + 4 * k, acc[k]);        \
  }

#define LOAD(p) wasm_v128_load((p) + base + 4 * k)
#define CH(p) wasm_v128_load((p) + c0 + 4 * k)

/*
 * y = (x - mean) * invstd * scale + offset with the batch's mean and variance; the
 * running statistics move by `momentum` towards the mean and the unbiased variance
 * (PyTorch's convention). save_mean and save_invstd are what the gradient needs.
 */
__attribute__((export_name("batch_norm_train")))
void batch_norm_train(const float *x, const float *scale, const float *offset,
                      const float *running_mean, const float *running_var,
                      float *y, float *new_mean, float *new_var, float *save_mean, float *save_invstd,
                      int rows, int c, float epsilon, float momentum) {
  const float inv_n = 1.f / (float)rows;
  /* Two passes (mean, then the mean square deviation): no cancellation for large means. */
  CHANNEL_BLOCKS(
      SUM_ROWS(8, LOAD(x), save_mean),
      SUM_ROWS(1, LOAD(x), save_mean),
      { float s = 0.f; for (int r = 0; r < rows; r++) s += x[r * c + c0]; save_mean[c0] = s; })
  for (int i = 0; i < c; i++) save_mean[i] *= inv_n;
  CHANNEL_BLOCKS(
      SUM_ROWS(8, ({ v128_t d = wasm_f32x4_sub(LOAD(x), CH(save_mean)); wasm_f32x4_mul(d, d); }), save_invstd),
      SUM_ROWS(1, ({ v128_t d = wasm_f32x4_sub(LOAD(x), CH(save_mean)); wasm_f32x4_mul(d, d); }), save_invstd),
      { float s = 0.f; for (int r = 0; r < rows; r++) { float d = x[r * c + c0] - save_mean[c0]; s += d * d; } save_invstd[c0] = s; })
  const float unbias = rows > 1 ? (float)rows / (float)(rows - 1) : 1.f;
  for (int i = 0; i < c; i++) {
    const float var = save_invstd[i] * inv_n;
    new_mean[i] = running_mean[i] * (1.f - momentum) + save_mean[i] * momentum;
    new_var[i] = running_var[i] * (1.f - momentum) + var * unbias * momentum;
    save_invstd[i] = 1.f / __builtin_sqrtf(var + epsilon);
  }
  /* y = x * a + b with a = scale * invstd, b = offset - mean * a, per block of channels in registers. */
#define AFFINE_BLOCK(W)                                                                        \
  {                                                                                            \
    v128_t a[W], b[W];                                                                         \
    for (int k = 0; k < W; k++) {                                                              \
      a[k] = wasm_f32x4_mul(CH(scale), CH(save_invstd));                                       \
      b[k] = wasm_f32x4_sub(CH(offset), wasm_f32x4_mul(CH(save_mean), a[k]));                  \
    }                                                                                          \
    for (int r = 0; r < rows; r++) {                                                           \
      const int base = r * c + c0;                                                             \
      for (int k = 0; k < W; k++)                                                              \
        wasm_v128_store(y + base + 4 * k, wasm_f32x4_add(wasm_f32x4_mul(LOAD(x), a[k]), b[k])); \
    }                                                                                          \
  }
  {
    int c0 = 0;
    for (; c0 + 16 <= c; c0 += 16) AFFINE_BLOCK(4)
    for (; c0 + 4 <= c; c0 += 4) AFFINE_BLOCK(1)
    for (; c0 < c; c0++) {
      const float a = scale[c0] * save_invstd[c0], b = offset[c0] - save_mean[c0] * a;
      for (int r = 0; r < rows; r++) y[r * c + c0] = x[r * c + c0] * a + b;
    }
  }
}

/*
 * The gradient of batch_norm_train with respect to x, scale and offset, from what it saved:
 *   d_offset = sum dy, d_scale = sum dy * xhat, with xhat = (x - mean) * invstd,
 *   dx = scale * invstd * (dy - d_offset / n - xhat * d_scale / n).
 */
__attribute__((export_name("batch_norm_train_grad")))
void batch_norm_train_grad(const float *dy, const float *x, const float *scale,
                           const float *save_mean, const float *save_invstd,
                           float *dx, float *d_scale, float *d_offset, int rows, int c) {
  CHANNEL_BLOCKS(
      SUM_ROWS(8, LOAD(dy), d_offset),
      SUM_ROWS(1, LOAD(dy), d_offset),
      { float s = 0.f; for (int r = 0; r < rows; r++) s += dy[r * c + c0]; d_offset[c0] = s; })
  CHANNEL_BLOCKS(
      SUM_ROWS(8, wasm_f32x4_mul(LOAD(dy), wasm_f32x4_sub(LOAD(x), CH(save_mean))), d_scale),
      SUM_ROWS(1, wasm_f32x4_mul(LOAD(dy), wasm_f32x4_sub(LOAD(x), CH(save_mean))), d_scale),
      { float s = 0.f; for (int r = 0; r < rows; r++) s += dy[r * c + c0] * (x[r * c + c0] - save_mean[c0]); d_scale[c0] = s; })
  for (int i = 0; i < c; i++) d_scale[i] *= save_invstd[i];
  /* dx = dy * g - (x - mean) * h - k with g = scale * invstd, h = g * invstd * d_scale / n, k = g * d_offset / n. */
  const float inv_n = 1.f / (float)rows;
#define GRAD_BLOCK(W)                                                                                  \
  {                                                                                                    \
    v128_t g[W], h[W], kk[W], m[W];                                                                    \
    for (int k = 0; k < W; k++) {                                                                      \
      g[k] = wasm_f32x4_mul(CH(scale), CH(save_invstd));                                               \
      h[k] = wasm_f32x4_mul(wasm_f32x4_mul(g[k], CH(save_invstd)), wasm_f32x4_mul(CH(d_scale), wasm_f32x4_splat(inv_n))); \
      kk[k] = wasm_f32x4_mul(g[k], wasm_f32x4_mul(CH(d_offset), wasm_f32x4_splat(inv_n)));             \
      m[k] = CH(save_mean);                                                                            \
    }                                                                                                  \
    for (int r = 0; r < rows; r++) {                                                                   \
      const int base = r * c + c0;                                                                     \
      for (int k = 0; k < W; k++)                                                                      \
        wasm_v128_store(dx + base + 4 * k,                                                             \
                        wasm_f32x4_sub(wasm_f32x4_sub(wasm_f32x4_mul(LOAD(dy), g[k]),                  \
                                                      wasm_f32x4_mul(wasm_f32x4_sub(LOAD(x), m[k]), h[k])), kk[k])); \
    }                                                                                                  \
  }
  {
    int c0 = 0;
    for (; c0 + 8 <= c; c0 += 8) GRAD_BLOCK(2)
    for (; c0 + 4 <= c; c0 += 4) GRAD_BLOCK(1)
    for (; c0 < c; c0++) {
      const float g = scale[c0] * save_invstd[c0], h = g * save_invstd[c0] * d_scale[c0] * inv_n, k = g * d_offset[c0] * inv_n;
      for (int r = 0; r < rows; r++) dx[r * c + c0] = dy[r * c + c0] * g - (x[r * c + c0] - save_mean[c0]) * h - k;
    }
  }
}

/* dx = dy where y > 0, else 0 (y = relu(x)). */
__attribute__((export_name("relu_grad")))
void relu_grad(const float *dy, const float *y, float *dx, int size) {
  const v128_t zero = wasm_f32x4_splat(0.f);
  int i = 0;
  for (; i + 4 <= size; i += 4)
    wasm_v128_store(dx + i, wasm_v128_and(wasm_v128_load(dy + i), wasm_f32x4_gt(wasm_v128_load(y + i), zero)));
  for (; i < size; i++) dx[i] = y[i] > 0.f ? dy[i] : 0.f;
}

#define INPUT_GRAD_ACCUMULATE(k)                                     \
  {                                                                  \
    const v128_t s = wasm_v128_load32_splat(dp + (k) * cout + co);   \
    acc##k##0 = wasm_f32x4_add(acc##k##0, wasm_f32x4_mul(s, w0));    \
    acc##k##1 = wasm_f32x4_add(acc##k##1, wasm_f32x4_mul(s, w1));    \
  }

#define INPUT_GRAD_STORE(k)                                          \
  if (t0 + k < count) {                                              \
    float *o = dx_row + (pw + sw * (t0 + k)) * cin + ci0;            \
    wasm_v128_store(o, acc##k##0);                                   \
    wasm_v128_store(o + 4, acc##k##1);                               \
  }

/*
 * The input gradient of an NHWC convolution, gathered for each element of dx:
 *   dx[n, h, w, ci] = sum over taps (a, b) and co of dy[n, i, j, co] * filter[a, b, ci, co]
 *   where h + pad_top - a = i*sh and w + pad_left - b = j*sw.
 * Positions w of one stride phase (w = pw + sw*t) read consecutive dy columns, so a
 * block of 4 of them and 8 input channels is summed in 8 SIMD registers, and every
 * result is stored once, where it belongs (no phase images to interleave).
 * dyp is dy zero-padded by off_top rows and off_left columns before (and enough after)
 * so that every index read exists; wt is the filter as [kh, kw, cout, cin]; cin must be
 * a multiple of 8.
 */
__attribute__((export_name("conv2d_input_grad")))
void conv2d_input_grad(const float *dyp, const float *wt, float *dx,
                       int n, int h, int w, int cin, int hyp, int wyp, int cout,
                       int kh, int kw, int sh, int sw, int pad_top, int pad_left, int off_top, int off_left) {
  for (int nn = 0; nn < n; nn++) {
    for (int hh = 0; hh < h; hh++) {
      float *dx_row = dx + (nn * h + hh) * w * cin;
      const int a0 = (hh + pad_top) % sh;
      for (int pw = 0; pw < sw && pw < w; pw++) {
        const int count = (w - pw + sw - 1) / sw;
        const int b0 = (pw + pad_left) % sw;
        for (int t0 = 0; t0 < count; t0 += 4) {
          for (int ci0 = 0; ci0 < cin; ci0 += 8) {
            const v128_t z = wasm_f32x4_splat(0.f);
            v128_t acc00 = z, acc01 = z, acc10 = z, acc11 = z, acc20 = z, acc21 = z, acc30 = z, acc31 = z;
            for (int a = a0; a < kh; a += sh) {
              const int i = (hh + pad_top - a) / sh + off_top;
              for (int b = b0; b < kw; b += sw) {
                const int j = (pw + pad_left - b) / sw + off_left + t0;
                const float *dp = dyp + ((nn * hyp + i) * wyp + j) * cout;
                const float *wp = wt + (a * kw + b) * cout * cin + ci0;
                for (int co = 0; co < cout; co++, wp += cin) {
                  const v128_t w0 = wasm_v128_load(wp), w1 = wasm_v128_load(wp + 4);
                  INPUT_GRAD_ACCUMULATE(0) INPUT_GRAD_ACCUMULATE(1) INPUT_GRAD_ACCUMULATE(2) INPUT_GRAD_ACCUMULATE(3)
                }
              }
            }
            INPUT_GRAD_STORE(0) INPUT_GRAD_STORE(1) INPUT_GRAD_STORE(2) INPUT_GRAD_STORE(3)
          }
        }
      }
    }
  }
}
