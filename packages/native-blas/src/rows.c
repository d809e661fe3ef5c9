/*
 * Fused row kernels for tfjs's wasm and cpu backends: LayerNorm over the last axis and QuickGELU, forward and
 * input gradient, each one pass over memory instead of 3-9 tfjs kernels (every tfjs kernel costs 10-15 us of
 * bookkeeping before its arithmetic). The arithmetic is the composed ops' in float32, except that LayerNorm's
 * row sums accumulate in double.
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

static napi_value layer_norm(napi_env env, napi_callback_info info) {
  int32_t s[2];
  double eps = 0;
  float* a[6];
  if (!read_args(env, info, 2, 1, s, &eps, 6, a, norm_lengths)) return NULL;
  const int32_t rows = s[0], width = s[1];
  const float *x = a[0], *gamma = a[1], *beta = a[2];
  float *out = a[3], *normalized = a[4], *rstd = a[5];
  for (int32_t r = 0; r < rows && width > 0; r++) {
    const float* xr = x + (size_t)r * width;
    double sum = 0;
    for (int32_t i = 0; i < width; i++) sum += xr[i];
    const float mean = (float)(sum / width);
    double squares = 0;
    for (int32_t i = 0; i < width; i++) {
      const float centred = xr[i] - mean;
      squares += (double)centred * centred;
    }
    const float inv = 1.0f / sqrtf((float)(squares / width) + (float)eps);
    rstd[r] = inv;
    float *nr = normalized + (size_t)r * width, *outr = out + (size_t)r * width;
    for (int32_t i = 0; i < width; i++) {
      nr[i] = (xr[i] - mean) * inv;
      outr[i] = nr[i] * gamma[i] + beta[i];
    }
  }
  return NULL;
}

static napi_value layer_norm_grad(napi_env env, napi_callback_info info) {
  int32_t s[2];
  float* a[5];
  if (!read_args(env, info, 2, 0, s, NULL, 5, a, norm_grad_lengths)) return NULL;
  const int32_t rows = s[0], width = s[1];
  const float *dy = a[0], *normalized = a[1], *rstd = a[2], *gamma = a[3];
  float* dx = a[4];
  for (int32_t r = 0; r < rows && width > 0; r++) {
    const float *dyr = dy + (size_t)r * width, *nr = normalized + (size_t)r * width;
    double sum = 0, dot = 0;
    for (int32_t i = 0; i < width; i++) {
      const float g = dyr[i] * gamma[i];
      sum += g;
      dot += (double)g * nr[i];
    }
    const float mean = (float)(sum / width), meanDot = (float)(dot / width), inv = rstd[r];
    float* dxr = dx + (size_t)r * width;
    for (int32_t i = 0; i < width; i++) dxr[i] = inv * ((dyr[i] * gamma[i] - mean) - nr[i] * meanDot);
  }
  return NULL;
}

static napi_value quick_gelu(napi_env env, napi_callback_info info) {
  int32_t s[1];
  float* a[4];
  if (!read_args(env, info, 1, 0, s, NULL, 4, a, flat_lengths)) return NULL;
  const float* x = a[0];
  float *out = a[1], *scaled = a[2], *gate = a[3];
  for (int32_t i = 0; i < s[0]; i++) {
    scaled[i] = x[i] * 1.702f;
    gate[i] = 1.0f / (1.0f + expf(-scaled[i]));
    out[i] = x[i] * gate[i];
  }
  return NULL;
}

static napi_value quick_gelu_grad(napi_env env, napi_callback_info info) {
  int32_t s[1];
  float* a[4];
  if (!read_args(env, info, 1, 0, s, NULL, 4, a, flat_lengths)) return NULL;
  const float *dy = a[0], *scaled = a[1], *gate = a[2];
  float* dx = a[3];
  for (int32_t i = 0; i < s[0]; i++) dx[i] = dy[i] * (gate[i] * (1.0f + scaled[i] * (1.0f - gate[i])));
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
