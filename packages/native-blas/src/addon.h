/* What the addon's files share: argument helpers and the functions one file gives another. */
#ifndef VLPROMPT_ADDON_H
#define VLPROMPT_ADDON_H
#include <node_api.h>
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* An AVX2 copy of a loop function beside the baseline one, chosen when the addon loads (GCC/Clang function
 * multi-versioning, which needs glibc's ifunc: x86-64 Linux with glibc); 2-3x on the row kernels. Elsewhere the
 * baseline only. Both do the same IEEE operations in the same order (-std=c11 contracts no multiply-adds), so
 * results do not depend on the CPU. */
#if defined(__x86_64__) && defined(__linux__) && defined(__GNUC__) && defined(__GLIBC__)
#define VLP_SIMD __attribute__((target_clones("avx2", "default")))
#else
#define VLP_SIMD
#endif

/* The data of a Float32Array argument and its length in floats, or NULL when it is something else. */
static inline float* float_data(napi_env env, napi_value value, size_t* length) {
  napi_typedarray_type type;
  void* data;
  napi_value buffer;
  size_t offset;
  if (napi_get_typedarray_info(env, value, &type, length, &data, &buffer, &offset) != napi_ok) return NULL;
  return type == napi_float32_array ? (float*)data : NULL;
}

/* exp(x) in float32 without a libm call, so loops over it vectorize (glibc's scalar expf costs about 3.5 ns on this
 * project's machines). exp(x) = 2^n e^r, n = round(x / ln 2), r = x - n ln 2 in two parts, e^r by Cephes' degree-7
 * polynomial: within 1e-7 relative of exp. Below -87 (where expf leaves the normal floats) it returns 0, so
 * masked scores (-inf) give exactly 0; above 88 +inf; NaN stays NaN. Loops over it vectorize when built with
 * -fno-trapping-math (build.mjs). */
static inline float vlp_expf(float x) {
  float clamped = x < -87.0f ? -87.0f : x;
  clamped = clamped > 88.0f ? 88.0f : clamped;
  const float rounded = clamped * 1.44269504088896341f + 12582912.0f; /* 1.5 * 2^23: round to nearest */
  const float n = rounded - 12582912.0f;
  const float r = (clamped - n * 0.693359375f) + n * 2.12194440e-4f;
  float p = 1.9875691500e-4f;
  p = p * r + 1.3981999507e-3f;
  p = p * r + 8.3334519073e-3f;
  p = p * r + 4.1665795894e-2f;
  p = p * r + 1.6666665459e-1f;
  p = p * r + 5.0000001201e-1f;
  p = p * r * r + r + 1.0f;
  const int32_t bits = ((int32_t)n + 127) << 23; /* 2^n */
  float scale;
  memcpy(&scale, &bits, sizeof scale);
  float value = p * scale; /* NaN in, NaN out */
  value = x < -87.0f ? 0.0f : value;
  return x > 88.0f ? INFINITY : value;
}

/* blas.c: row-major C [m x n] = alpha op(A) op(B) + beta C with explicit row strides (lda, ldb, ldc), through the
 * loaded BLAS on as many threads as the product is worth, or a plain loop when no BLAS could be loaded. */
void vlp_gemm(int trans_a, int trans_b, int m, int n, int k, float alpha, const float* a, int lda, const float* b, int ldb,
              float beta, float* c, int ldc);

void register_row_kernels(napi_env env, napi_value exports);       /* rows.c */
void register_attention_kernels(napi_env env, napi_value exports); /* attention.c */

#endif
