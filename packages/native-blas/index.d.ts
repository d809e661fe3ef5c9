export interface NativeBlas {
  /**
   * For i < batch: C_i [m x n] = op(A_i) . op(B_i), row-major; A_i starts at a[i * strideA] (k x m when
   * transposed, else m x k), likewise B_i; a stride of 0 reuses one matrix for the whole batch.
   */
  gemm(
    transA: boolean, transB: boolean, batch: number, m: number, n: number, k: number,
    a: Float32Array, strideA: number, b: Float32Array, strideB: number, c: Float32Array, strideC: number,
  ): void;
  /** The BLAS library in use (e.g. "libopenblas.so.0"), or null when none was found. */
  library(): string | null;
  /**
   * OpenBLAS's kernel family in use (e.g. "Haswell"), and the family OpenBLAS picked itself when the addon replaced
   * it: OpenBLAS gives CPU models it does not know the generic SSE3 "Prescott" kernels, and the addon then reopens
   * it with the kernels of the CPU's instruction set (AVX2: Haswell, AVX-512: SkylakeX, with BF16: Cooperlake),
   * unless OPENBLAS_CORETYPE is set. "" where unknown (another BLAS) or unchanged.
   */
  kernels(): [inUse: string, replaced: string];
  /** The most threads a large product may use (small ones always use one); false without OpenBLAS thread control. */
  setThreads(count: number): boolean;
  // Also the fused row kernels layerNorm, layerNormGrad, quickGelu, quickGeluGrad, attention and attentionGrad:
  // typed and documented where vlprompt registers them (packages/core/src/backend/native-rows.ts).
}

/** The addon with a BLAS, or null (whyUnavailable() says why). */
export function loadNativeBlas(): NativeBlas | null;
/** The addon whenever it is built and loads, with or without a BLAS (library() is then null). */
export function loadNativeAddon(): NativeBlas | null;
export function whyUnavailable(): string;
