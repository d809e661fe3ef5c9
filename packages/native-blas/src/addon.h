/* What the addon's files share: argument helpers and the functions one file gives another. */
#ifndef VLPROMPT_ADDON_H
#define VLPROMPT_ADDON_H
#include <node_api.h>
#include <stddef.h>

/* The data of a Float32Array argument and its length in floats, or NULL when it is something else. */
static inline float* float_data(napi_env env, napi_value value, size_t* length) {
  napi_typedarray_type type;
  void* data;
  napi_value buffer;
  size_t offset;
  if (napi_get_typedarray_info(env, value, &type, length, &data, &buffer, &offset) != napi_ok) return NULL;
  return type == napi_float32_array ? (float*)data : NULL;
}

/* blas.c: row-major C [m x n] = alpha op(A) op(B) + beta C with explicit row strides (lda, ldb, ldc), through the
 * loaded BLAS on as many threads as the product is worth. Returns 0 when no BLAS could be loaded. */
int vlp_gemm(int trans_a, int trans_b, int m, int n, int k, float alpha, const float* a, int lda, const float* b, int ldb,
             float beta, float* c, int ldc);

void register_row_kernels(napi_env env, napi_value exports);       /* rows.c */
void register_attention_kernels(napi_env env, napi_value exports); /* attention.c */

#endif
