/*
 * Multi-head self-attention for tfjs's wasm and cpu backends, forward and input gradient, straight from the qkv
 * projection's rows: every head is a strided view of [batch * tokens, 3 * width] (columns q | k | v), so there is
 * no split, transpose or merge; the products go through the BLAS (blas.c, vlp_gemm; a plain loop without one)
 * with row strides.
 * The maths is torch.nn.MultiheadAttention's (tfjs composition in clip/layers.ts attentionFromQkv):
 *   scores = (q / sqrt(d)) k^T + mask, probs = softmax(scores), out = probs v   (per sequence and head)
 *   attention(batch, tokens, heads, headDim, qkv, mask|null, merged, probs)
 *       qkv [batch * tokens, 3 * width], mask [tokens, tokens] (additive) or null,
 *       merged [batch * tokens, width] (heads side by side, the out projection's input), probs [batch, heads, tokens, tokens]
 *   attentionGrad(batch, tokens, heads, headDim, dMerged, qkv, probs, dQkv)
 *       dScores = probs * (dProbs - rowsum(dProbs * probs)), dProbs = dOut v^T;
 *       dq = dScores k / sqrt(d), dk = dScores^T q / sqrt(d), dv = probs^T dOut
 */
#include <math.h>
#include <node_api.h>
#include <stdint.h>
#include <stdlib.h>
#include "addon.h"

#define ATTENTION_ARGS 8

typedef struct {
  int batch, tokens, heads, dim, width;
} Shape;

/* The four sizes, then four Float32Arrays whose lengths (in floats) `lengths` gives for the shape; the array at
 * index `optional` may be null. Throws and returns 0 on any mismatch. */
static int attention_args(napi_env env, napi_callback_info info, Shape* shape, float** data, int optional,
                          void (*lengths)(const Shape*, size_t*)) {
  size_t argc = ATTENTION_ARGS;
  napi_value argv[ATTENTION_ARGS];
  int32_t s[4];
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc != ATTENTION_ARGS) {
    napi_throw_error(env, NULL, "vlprompt_blas: attention kernels take 8 arguments");
    return 0;
  }
  for (int i = 0; i < 4; i++) {
    if (napi_get_value_int32(env, argv[i], &s[i]) != napi_ok || s[i] <= 0) {
      napi_throw_type_error(env, NULL, "vlprompt_blas: attention sizes must be integers > 0");
      return 0;
    }
  }
  *shape = (Shape){s[0], s[1], s[2], s[3], s[2] * s[3]};
  size_t need[4];
  lengths(shape, need);
  for (int i = 0; i < 4; i++) {
    napi_valuetype type;
    size_t length = 0;
    data[i] = NULL;
    if (i == optional && napi_typeof(env, argv[4 + i], &type) == napi_ok && type == napi_null) continue;
    data[i] = float_data(env, argv[4 + i], &length);
    if (!data[i] || length < need[i]) {
      napi_throw_range_error(env, NULL, "vlprompt_blas: an attention array is not a Float32Array of the right size");
      return 0;
    }
  }
  return 1;
}

static size_t rows_of(const Shape* s) { return (size_t)s->batch * s->tokens; }
static size_t probs_of(const Shape* s) { return (size_t)s->batch * s->heads * s->tokens * s->tokens; }

/* qkv, mask, merged, probs */
static void forward_lengths(const Shape* s, size_t* need) {
  need[0] = rows_of(s) * 3 * s->width, need[1] = (size_t)s->tokens * s->tokens, need[2] = rows_of(s) * s->width, need[3] = probs_of(s);
}
/* dMerged, qkv, probs, dQkv */
static void backward_lengths(const Shape* s, size_t* need) {
  need[0] = rows_of(s) * s->width, need[1] = rows_of(s) * 3 * s->width, need[2] = probs_of(s), need[3] = rows_of(s) * 3 * s->width;
}

/* Row-wise softmax of a [rows, cols] block in place, after adding `mask` ([rows, cols]) when given. */
VLP_SIMD static void softmax_rows(float* x, const float* mask, int rows, int cols) {
  for (int r = 0; r < rows; r++) {
    float* row = x + (size_t)r * cols;
    if (mask) for (int j = 0; j < cols; j++) row[j] += mask[(size_t)r * cols + j];
    float top = -INFINITY;
    for (int j = 0; j < cols; j++) top = row[j] > top ? row[j] : top;
    for (int j = 0; j < cols; j++) row[j] = vlp_expf(row[j] - top); /* vectorizes apart from the sum */
    float sum = 0;
    for (int j = 0; j < cols; j++) sum += row[j];
    for (int j = 0; j < cols; j++) row[j] /= sum;
  }
}

static napi_value attention(napi_env env, napi_callback_info info) {
  Shape s;
  float* a[4];
  if (!attention_args(env, info, &s, a, 1, forward_lengths)) return NULL;
  const float *qkv = a[0], *mask = a[1];
  float *merged = a[2], *probs = a[3];
  const int t = s.tokens, d = s.dim, w = s.width, stride = 3 * w;
  const float scale = 1.0f / sqrtf((float)d);
  for (int b = 0; b < s.batch; b++) {
    const float* rows = qkv + (size_t)b * t * stride;
    for (int h = 0; h < s.heads; h++) {
      const float *q = rows + h * d, *k = rows + w + h * d, *v = rows + 2 * w + h * d;
      float* p = probs + ((size_t)b * s.heads + h) * t * t;
      vlp_gemm(0, 1, t, t, d, scale, q, stride, k, stride, 0.0f, p, t);
      softmax_rows(p, mask, t, t);
      vlp_gemm(0, 0, t, d, t, 1.0f, p, t, v, stride, 0.0f, merged + (size_t)b * t * w + h * d, w);
    }
  }
  return NULL;
}

/* dScores = probs * (dProbs - rowsum(dProbs * probs)), in place over dProbs [rows, cols]. */
VLP_SIMD static void softmax_backward(float* dprobs, const float* p, int rows, int cols) {
  for (int r = 0; r < rows; r++) {
    float *dr = dprobs + (size_t)r * cols;
    const float* pr = p + (size_t)r * cols;
    float dot = 0;
    for (int j = 0; j < cols; j++) dot += dr[j] * pr[j];
    for (int j = 0; j < cols; j++) dr[j] = pr[j] * (dr[j] - dot);
  }
}

static napi_value attention_grad(napi_env env, napi_callback_info info) {
  Shape s;
  float* a[4];
  if (!attention_args(env, info, &s, a, -1, backward_lengths)) return NULL;
  const float *dmerged = a[0], *qkv = a[1], *probs = a[2];
  float* dqkv = a[3];
  const int t = s.tokens, d = s.dim, w = s.width, stride = 3 * w;
  const float scale = 1.0f / sqrtf((float)d);
  float* dscores = malloc(sizeof(float) * (size_t)t * t);
  if (!dscores) {
    napi_throw_error(env, NULL, "vlprompt_blas: out of memory in attentionGrad");
    return NULL;
  }
  for (int b = 0; b < s.batch; b++) {
    const float* rows = qkv + (size_t)b * t * stride;
    float* drows = dqkv + (size_t)b * t * stride;
    for (int h = 0; h < s.heads; h++) {
      const float *q = rows + h * d, *k = rows + w + h * d, *v = rows + 2 * w + h * d;
      const float *dout = dmerged + (size_t)b * t * w + h * d, *p = probs + ((size_t)b * s.heads + h) * t * t;
      vlp_gemm(1, 0, t, d, t, 1.0f, p, t, dout, w, 0.0f, drows + 2 * w + h * d, stride); /* dv = p^T dout */
      vlp_gemm(0, 1, t, t, d, 1.0f, dout, w, v, stride, 0.0f, dscores, t);                    /* dprobs = dout v^T */
      softmax_backward(dscores, p, t, t);
      vlp_gemm(0, 0, t, d, t, scale, dscores, t, k, stride, 0.0f, drows + h * d, stride);     /* dq */
      vlp_gemm(1, 0, t, d, t, scale, dscores, t, q, stride, 0.0f, drows + w + h * d, stride); /* dk */
    }
  }
  free(dscores);
  return NULL;
}

void register_attention_kernels(napi_env env, napi_value exports) {
  napi_value fn;
  napi_create_function(env, "attention", NAPI_AUTO_LENGTH, attention, NULL, &fn);
  napi_set_named_property(env, exports, "attention", fn);
  napi_create_function(env, "attentionGrad", NAPI_AUTO_LENGTH, attention_grad, NULL, &fn);
  napi_set_named_property(env, exports, "attentionGrad", fn);
}
