/*
 * vlprompt_blas: float32 matrix products through the system BLAS, for tfjs kernels.
 * gemm(transA, transB, batch, m, n, k, a, strideA, b, strideB, c, strideC)
 *   for i < batch: C_i[m x n] = op(A_i) . op(B_i), row-major, op = transpose when the flag is set;
 *   A_i starts at a[i * strideA] (stored k x m when transposed, else m x k), likewise B_i; stride 0 broadcasts.
 * The BLAS is found at run time (dlopen): OpenBLAS first, then any libblas.so.3, or the library
 * VLPROMPT_BLAS_LIBRARY names ("none" for no BLAS); the Fortran sgemm_ entry point exists in every BLAS. Row-major
 * C = op(A) op(B) is computed as column-major C^T = op(B)^T op(A)^T (vlp_gemm, which the fused kernels share).
 *
 * OpenBLAS built with DYNAMIC_ARCH (Debian's) picks its kernels from the CPU model at load time, and a model it
 * does not know gets the generic SSE3 "Prescott" kernels: OpenBLAS 0.3.21 takes a 5th-generation Xeon (family 6,
 * model 207) for one, and multiplies at 13 GFLOP/s per core instead of 60-150. When OpenBLAS reports Prescott on a
 * CPU with AVX2 or AVX-512 and the user has not set OPENBLAS_CORETYPE, the library is reopened with the kernels
 * that match the instruction set (OPENBLAS_CORETYPE is OpenBLAS's own switch for this).
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include "addon.h"
#include <node_api.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>
#endif

typedef void (*sgemm_fn)(const char*, const char*, const int*, const int*, const int*, const float*, const float*,
                         const int*, const float*, const int*, const float*, float*, const int*);
typedef void (*set_threads_fn)(int);
typedef int (*get_threads_fn)(void);

static sgemm_fn sgemm = NULL;
static set_threads_fn set_threads = NULL;
static int max_threads = 1;    /* what OpenBLAS starts with (OPENBLAS_NUM_THREADS, else the core count) */
static int current_threads = 0;
/* Products below this many multiply-adds run on one thread: splitting them costs more in thread hand-offs than
 * it saves, and on a busy machine a hand-off can wait a whole scheduler slice (measured: 20 x 77x64x77 took
 * 0.2 ms on one thread, 0.5 ms on two with the other core busy). */
#define THREADED_MIN_MNK (8.0 * 1024 * 1024)
static char library[256] = "";
static char kernels[64] = "";     /* OpenBLAS's kernel family in use (openblas_get_corename), "" for other BLAS */
static char detected[64] = "";    /* what OpenBLAS picked itself, when vlprompt reopened it with other kernels */

static const char* candidates[] = {"libopenblas.so.0", "libopenblas.so", "libblas.so.3", "libblas.so",
                                   "/System/Library/Frameworks/Accelerate.framework/Accelerate", NULL};

typedef char* (*corename_fn)(void);

/* The OpenBLAS kernel family that matches this CPU's instruction set, or NULL (not x86, or nothing newer than SSE).
 * __builtin_cpu_supports also checks that the OS saves the AVX / AVX-512 registers. */
static const char* kernels_for_this_cpu(void) {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_cpu_init();
  if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512vl") &&
      __builtin_cpu_supports("avx512dq")) {
    unsigned int eax = 0, ebx = 0, ecx = 0, edx = 0;
    int bf16 = __get_cpuid_count(7, 1, &eax, &ebx, &ecx, &edx) && (eax & (1u << 5));
    return bf16 ? "Cooperlake" : "SkylakeX";
  }
  if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) return "Haswell";
#endif
  return NULL;
}

static const char* corename_of(void* handle) {
  corename_fn fn = (corename_fn)dlsym(handle, "openblas_get_corename");
  return fn ? fn() : NULL;
}

/* Opens `name` and resolves sgemm_; with OpenBLAS on generic kernels it is reopened once with better ones. */
static void* open_blas(const char* name) {
  void* handle = dlopen(name, RTLD_NOW | RTLD_LOCAL);
  if (!handle || !dlsym(handle, "sgemm_")) {
    if (handle) dlclose(handle);
    return NULL;
  }
  const char* core = corename_of(handle);
  const char* better = kernels_for_this_cpu();
  if (core && strcmp(core, "Prescott") == 0 && better && !getenv("OPENBLAS_CORETYPE")) {
    snprintf(detected, sizeof(detected), "%s", core);
    dlclose(handle);
    setenv("OPENBLAS_CORETYPE", better, 1);
    handle = dlopen(name, RTLD_NOW | RTLD_LOCAL);
    if (!handle || !dlsym(handle, "sgemm_")) return NULL;
    core = corename_of(handle);
  }
  snprintf(kernels, sizeof(kernels), "%s", core ? core : "");
  return handle;
}

/* VLPROMPT_BLAS_LIBRARY names the library to open instead of the candidates ("none": no BLAS, the plain loop). */
static int load_blas(void) {
  static int tried = 0;
  if (sgemm || tried) return sgemm != NULL;
  tried = 1;
  const char* chosen = getenv("VLPROMPT_BLAS_LIBRARY");
  const char* only[] = {chosen, NULL};
  const char** names = chosen && *chosen ? only : candidates;
  if (chosen && strcmp(chosen, "none") == 0) return 0;
  for (int i = 0; names[i]; i++) {
    void* handle = open_blas(names[i]);
    if (!handle) continue;
    sgemm = (sgemm_fn)dlsym(handle, "sgemm_");
    set_threads = (set_threads_fn)dlsym(handle, "openblas_set_num_threads");
    get_threads_fn get_threads = (get_threads_fn)dlsym(handle, "openblas_get_num_threads");
    max_threads = get_threads ? get_threads() : 1;
    current_threads = max_threads;
    strncpy(library, names[i], sizeof(library) - 1);
    return 1;
  }
  return 0;
}

/* One thread for small products, all of them for large ones. */
static void choose_threads(double mnk) {
  int want = mnk >= THREADED_MIN_MNK ? max_threads : 1;
  if (set_threads && want != current_threads) {
    set_threads(want);
    current_threads = want;
  }
}

/* The loop the products fall back to without a BLAS (the fused attention kernels still work, only slower):
 * row-major, rows of C accumulated as axpys over B's rows, or as dot products with B's rows when B is transposed. */
VLP_SIMD static void plain_gemm(int trans_a, int trans_b, int m, int n, int k, float alpha, const float* a, int lda,
                                const float* b, int ldb, float beta, float* c, int ldc) {
  for (int i = 0; i < m; i++) {
    float* ci = c + (size_t)i * ldc;
    for (int j = 0; j < n; j++) ci[j] = beta == 0.0f ? 0.0f : beta * ci[j];
    for (int p = 0; p < k && !trans_b; p++) {
      const float aip = alpha * (trans_a ? a[(size_t)p * lda + i] : a[(size_t)i * lda + p]);
      const float* bp = b + (size_t)p * ldb;
      for (int j = 0; j < n; j++) ci[j] += aip * bp[j];
    }
    for (int j = 0; j < n && trans_b; j++) {
      const float* bj = b + (size_t)j * ldb;
      float sum = 0.0f;
      for (int p = 0; p < k; p++) sum += (trans_a ? a[(size_t)p * lda + i] : a[(size_t)i * lda + p]) * bj[p];
      ci[j] += alpha * sum;
    }
  }
}

void vlp_gemm(int trans_a, int trans_b, int m, int n, int k, float alpha, const float* a, int lda, const float* b, int ldb,
              float beta, float* c, int ldc) {
  if (m == 0 || n == 0) return;
  if (!load_blas()) {
    plain_gemm(trans_a, trans_b, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
    return;
  }
  choose_threads((double)m * n * k);
  const char ta = trans_a ? 'T' : 'N', tb = trans_b ? 'T' : 'N';
  sgemm(&tb, &ta, &n, &m, &k, &alpha, b, &ldb, a, &lda, &beta, c, &ldc); /* column-major C^T = op(B)^T op(A)^T */
}

#define CHECK(call)                                                      \
  if ((call) != napi_ok) {                                               \
    napi_throw_error(env, NULL, "vlprompt_blas: bad arguments to gemm"); \
    return NULL;                                                         \
  }

static napi_value gemm(napi_env env, napi_callback_info info) {
  size_t argc = 12;
  napi_value argv[12];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc != 12) {
    napi_throw_error(env, NULL, "vlprompt_blas: gemm takes 12 arguments");
    return NULL;
  }
  bool trans_a, trans_b;
  int32_t batch, m, n, k, stride_a, stride_b, stride_c;
  CHECK(napi_get_value_bool(env, argv[0], &trans_a));
  CHECK(napi_get_value_bool(env, argv[1], &trans_b));
  CHECK(napi_get_value_int32(env, argv[2], &batch));
  CHECK(napi_get_value_int32(env, argv[3], &m));
  CHECK(napi_get_value_int32(env, argv[4], &n));
  CHECK(napi_get_value_int32(env, argv[5], &k));
  CHECK(napi_get_value_int32(env, argv[7], &stride_a));
  CHECK(napi_get_value_int32(env, argv[9], &stride_b));
  CHECK(napi_get_value_int32(env, argv[11], &stride_c));
  size_t len_a, len_b, len_c;
  float* a = float_data(env, argv[6], &len_a);
  float* b = float_data(env, argv[8], &len_b);
  float* c = float_data(env, argv[10], &len_c);
  if (!a || !b || !c || batch < 0 || m < 0 || n < 0 || k < 0) {
    napi_throw_type_error(env, NULL, "vlprompt_blas: a, b and c must be Float32Arrays, sizes >= 0");
    return NULL;
  }
  size_t last = batch > 0 ? (size_t)(batch - 1) : 0;
  if (batch > 0 && (last * stride_a + (size_t)m * k > len_a || last * stride_b + (size_t)k * n > len_b ||
                    last * stride_c + (size_t)m * n > len_c)) {
    napi_throw_range_error(env, NULL, "vlprompt_blas: a matrix runs past the end of its array");
    return NULL;
  }
  if (!load_blas()) {
    napi_throw_error(env, NULL, "vlprompt_blas: no BLAS library with sgemm_ found");
    return NULL;
  }
  const int lda = trans_a ? m : k, ldb = trans_b ? k : n;
  for (int i = 0; i < batch; i++) {
    float* ci = c + (size_t)i * stride_c;
    if (k == 0) memset(ci, 0, sizeof(float) * (size_t)m * n); /* a BLAS rejects lda = 0 */
    else vlp_gemm(trans_a, trans_b, m, n, k, 1.0f, a + (size_t)i * stride_a, lda, b + (size_t)i * stride_b, ldb, 0.0f, ci, n);
  }
  return NULL;
}

static napi_value blas_info(napi_env env, napi_callback_info info) {
  napi_value result;
  if (!load_blas()) {
    napi_get_null(env, &result);
    return result;
  }
  napi_create_string_utf8(env, library, NAPI_AUTO_LENGTH, &result);
  return result;
}

/* [kernels in use, kernels OpenBLAS picked itself when vlprompt replaced them]; "" where unknown or unchanged. */
static napi_value kernel_info(napi_env env, napi_callback_info info) {
  napi_value result, value;
  napi_create_array_with_length(env, 2, &result);
  load_blas();
  napi_create_string_utf8(env, kernels, NAPI_AUTO_LENGTH, &value);
  napi_set_element(env, result, 0, value);
  napi_create_string_utf8(env, detected, NAPI_AUTO_LENGTH, &value);
  napi_set_element(env, result, 1, value);
  return result;
}

static napi_value threads(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  int32_t count = 0;
  napi_value result;
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  if (argc == 1 && napi_get_value_int32(env, argv[0], &count) == napi_ok && load_blas() && set_threads && count > 0) {
    max_threads = count; /* the most threads a large product uses */
  }
  napi_get_boolean(env, set_threads != NULL, &result);
  return result;
}

NAPI_MODULE_INIT() {
  napi_value fn;
  napi_create_function(env, "gemm", NAPI_AUTO_LENGTH, gemm, NULL, &fn);
  napi_set_named_property(env, exports, "gemm", fn);
  napi_create_function(env, "library", NAPI_AUTO_LENGTH, blas_info, NULL, &fn);
  napi_set_named_property(env, exports, "library", fn);
  napi_create_function(env, "kernels", NAPI_AUTO_LENGTH, kernel_info, NULL, &fn);
  napi_set_named_property(env, exports, "kernels", fn);
  napi_create_function(env, "setThreads", NAPI_AUTO_LENGTH, threads, NULL, &fn);
  napi_set_named_property(env, exports, "setThreads", fn);
  register_row_kernels(env, exports);
  register_attention_kernels(env, exports);
  return exports;
}
