/*
 * Fused row kernels for tfjs's wasm and cpu backends: LayerNorm over the last axis and QuickGELU, forward and
 * input gradient, each one pass over memory instead of 3-9 tfjs kernels (every tfjs kernel costs 1-4 us of
 * bookkeeping before its arithmetic, about 11 us with the gradient tape). The arithmetic is the composed ops' in float32, except that LayerNorm's
 * row sums accumulate in double and exp is vlp_expf (addon.h). The loops are vectorized, with AVX2 clones where
 * the compiler and CPU have them (VLP_SIMD).
 *   layerNorm(rows, width, eps, x, gamma, beta, out, normalized, rstd)
 *       normalized = (x - mean) * rstd, rstd = 1 / sqrt(var + eps) (one per row), out = normalized * gamma + beta
 *   layerNormGrad(rows, width, dy, normalized, rstd, gamma, dx)
 *       dx = rstd * (g - mean(g) - normalized * mean(g * normalized)), g = dy * gamma
 *   quickGelu(count, x, out, scaled, gate)      scaled = 1.702 x, gate = sigmoid(scaled), out = x * gate
 *   quickGeluGrad(count, dy, scaled, gate, dx)  dx = dy * gate * (1 + scaled * (1 - gate))
 */
#include <math.h>
#include <node_api.h>
#include <stdint.h>
#include "addon.h"

#define MAX_ARGS 9

/* Reads `ints` leading int32 arguments (then one double when `with_double`), then Float32Arrays; each array's
 * required length is `need[i]` floats. Throws and returns 0 on any mismatch. */
static int read_args(napi_env env, napi_callback_info info, int ints, int with_double, int32_t* sizes, double* number,
                     int arrays, float** data, const size_t* (*need)(const int32_t*)) {
  size_t argc = MAX_ARGS;
  napi_value argv[MAX_ARGS];
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || (int)argc != ints + with_double + arrays) {
    napi_throw_error(env, NULL, "vlprompt_blas: wrong number of arguments to a row kernel");
    return 0;
  }
  for (int i = 0; i < ints; i++) {
    if (napi_get_value_int32(env, argv[i], &sizes[i]) != napi_ok || sizes[i] < 0) {
      napi_throw_type_error(env, NULL, "vlprompt_blas: sizes must be integers >= 0");
      return 0;
    }
  }
  if (with_double && napi_get_value_double(env, argv[ints], number) != napi_ok) {
    napi_throw_type_error(env, NULL, "vlprompt_blas: epsilon must be a number");
    return 0;
  }
  const size_t* lengths = need(sizes);
  for (int i = 0; i < arrays; i++) {
    size_t length = 0;
    data[i] = float_data(env, argv[ints + with_double + i], &length);
    if (!data[i] || length < lengths[i]) {
      napi_throw_range_error(env, NULL, "vlprompt_blas: a row kernel's array is not a Float32Array of the right size");
      return 0;
    }
  }
  return 1;
}

static size_t lengths[6];
static const size_t* norm_lengths(const int32_t* s) {
  size_t all = (size_t)s[0] * s[1];
  lengths[0] = all, lengths[1] = s[1], lengths[2] = s[1], lengths[3] = all, lengths[4] = all, lengths[5] = s[0];
  return lengths;
}
static const size_t* norm_grad_lengths(const int32_t* s) {
  size_t all = (size_t)s[0] * s[1];
  lengths[0] = all, lengths[1] = all, lengths[2] = s[0], lengths[3] = s[1], lengths[4] = all;
  return lengths;
}
static const size_t* flat_lengths(const int32_t* s) {
  for (int i = 0; i < 5; i++) lengths[i] = (size_t)s[0];
  return lengths;
}

/* Sums of a row in double, eight independent partial sums (one add chain would wait on every add's latency). */
VLP_SIMD static double row_sum(int32_t n, const float* restrict x) {
  double part[8] = {0};
  int32_t i = 0;
  for (; i + 8 <= n; i += 8)
    for (int l = 0; l < 8; l++) part[l] += x[i + l];
  for (; i < n; i++) part[0] += x[i];
  return ((part[0] + part[1]) + (part[2] + part[3])) + ((part[4] + part[5]) + (part[6] + part[7]));
}

/* sum((x - mean)^2) and sum(x * y), the same way. */
VLP_SIMD static double row_squares(int32_t n, const float* restrict x, float mean) {
  double part[8] = {0};
  int32_t i = 0;
  for (; i + 8 <= n; i += 8)
    for (int l = 0; l < 8; l++) {
      const double centred = x[i + l] - mean;
      part[l] += centred * centred;
    }
  for (; i < n; i++) part[0] += (double)(x[i] - mean) * (x[i] - mean);
  return ((part[0] + part[1]) + (part[2] + part[3])) + ((part[4] + part[5]) + (part[6] + part[7]));
}

VLP_SIMD static void normalize_row(int32_t n, const float* restrict x, float mean, float inv, const float* restrict gamma,
                                   const float* restrict beta, float* restrict normalized, float* restrict out) {
  for (int32_t i = 0; i < n; i++) {
    normalized[i] = (x[i] - mean) * inv;
    out[i] = normalized[i] * gamma[i] + beta[i];
  }
}

static napi_value layer_norm(napi_env env, napi_callback_info info) {
  int32_t s[2];
  double eps = 0;
  float* a[6];
  if (!read_args(env, info, 2, 1, s, &eps, 6, a, norm_lengths)) return NULL;
  const int32_t rows = s[0], width = s[1];
  for (int32_t r = 0; r < rows && width > 0; r++) {
    const size_t at = (size_t)r * width;
    const float mean = (float)(row_sum(width, a[0] + at) / width);
    const float inv = 1.0f / sqrtf((float)(row_squares(width, a[0] + at, mean) / width) + (float)eps);
    a[5][r] = inv;
    normalize_row(width, a[0] + at, mean, inv, a[1], a[2], a[4] + at, a[3] + at);
  }
  return NULL;
}

/* g = dy * gamma into `g`, returning sum(g) and sum(g * normalized) in double. */
VLP_SIMD static void scaled_sums(int32_t n, const float* restrict dy, const float* restrict gamma, const float* restrict normalized,
                                 float* restrict g, double* sum, double* dot) {
  double sums[8] = {0}, dots[8] = {0};
  int32_t i = 0;
  for (; i + 8 <= n; i += 8)
    for (int l = 0; l < 8; l++) {
      g[i + l] = dy[i + l] * gamma[i + l];
      sums[l] += g[i + l];
      dots[l] += (double)g[i + l] * normalized[i + l];
    }
  for (; i < n; i++) {
    g[i] = dy[i] * gamma[i];
    sums[0] += g[i];
    dots[0] += (double)g[i] * normalized[i];
  }
  *sum = ((sums[0] + sums[1]) + (sums[2] + sums[3])) + ((sums[4] + sums[5]) + (sums[6] + sums[7]));
  *dot = ((dots[0] + dots[1]) + (dots[2] + dots[3])) + ((dots[4] + dots[5]) + (dots[6] + dots[7]));
}

VLP_SIMD static void norm_grad_row(int32_t n, float inv, float mean, float mean_dot, const float* restrict normalized, float* restrict gdx) {
  for (int32_t i = 0; i < n; i++) gdx[i] = inv * ((gdx[i] - mean) - normalized[i] * mean_dot);
}

static napi_value layer_norm_grad(napi_env env, napi_callback_info info) {
  int32_t s[2];
  float* a[5];
  if (!read_args(env, info, 2, 0, s, NULL, 5, a, norm_grad_lengths)) return NULL;
  const int32_t rows = s[0], width = s[1];
  const float *dy = a[0], *normalized = a[1], *rstd = a[2], *gamma = a[3];
  float* dx = a[4]; /* first holds g = dy * gamma, then the gradient */
  for (int32_t r = 0; r < rows && width > 0; r++) {
    const size_t at = (size_t)r * width;
    double sum, dot;
    scaled_sums(width, dy + at, gamma, normalized + at, dx + at, &sum, &dot);
    norm_grad_row(width, rstd[r], (float)(sum / width), (float)(dot / width), normalized + at, dx + at);
  }
  return NULL;
}

/* Separate (restrict) arrays and vlp_expf (addon.h) let the compiler vectorize the loop. */
VLP_SIMD static void quick_gelu_rows(int32_t count, const float* restrict x, float* restrict out, float* restrict scaled,
                                     float* restrict gate) {
  for (int32_t i = 0; i < count; i++) {
    const float s = x[i] * 1.702f, g = 1.0f / (1.0f + vlp_expf(-s));
    scaled[i] = s;
    gate[i] = g;
    out[i] = x[i] * g;
  }
}

/* (count, four Float32Arrays of count floats): the count, or -1 after throwing. */
static int32_t flat_args(napi_env env, napi_callback_info info, float** a) {
  int32_t s[1];
  return read_args(env, info, 1, 0, s, NULL, 4, a, flat_lengths) ? s[0] : -1;
}

static napi_value quick_gelu(napi_env env, napi_callback_info info) {
  float* a[4];
  const int32_t count = flat_args(env, info, a);
  if (count >= 0) quick_gelu_rows(count, a[0], a[1], a[2], a[3]);
  return NULL;
}

VLP_SIMD static void quick_gelu_grad_rows(int32_t count, const float* restrict dy, const float* restrict scaled,
                                          const float* restrict gate, float* restrict dx) {
  for (int32_t i = 0; i < count; i++) dx[i] = dy[i] * (gate[i] * (1.0f + scaled[i] * (1.0f - gate[i])));
}

static napi_value quick_gelu_grad(napi_env env, napi_callback_info info) {
  float* a[4];
  const int32_t count = flat_args(env, info, a);
  if (count >= 0) quick_gelu_grad_rows(count, a[0], a[1], a[2], a[3]);
  return NULL;
}

void register_row_kernels(napi_env env, napi_value exports) {
  const struct { const char* name; napi_callback fn; } kernels[] = {
    {"layerNorm", layer_norm}, {"layerNormGrad", layer_norm_grad}, {"quickGelu", quick_gelu}, {"quickGeluGrad", quick_gelu_grad}};
  for (size_t i = 0; i < sizeof(kernels) / sizeof(kernels[0]); i++) {
    napi_value fn;
    napi_create_function(env, kernels[i].name, NAPI_AUTO_LENGTH, kernels[i].fn, NULL, &fn);
    napi_set_named_property(env, exports, kernels[i].name, fn);
  }
}
