import * as tf from "@tensorflow/tfjs";
import { elementCount, type CpuBackendLike, type KernelArgs, type WasmBackendLike } from "./backend-data.js";
import { swapLastTwo } from "./fast-matmul-grad.js";
import { enableRowKernels, type NativeRows } from "./native-rows.js";

/**
 * The optional native matrix product: `@vlprompt/native-blas` (an N-API addon over the system BLAS, built at
 * install) registered as the BatchMatMul kernel of the wasm and cpu backends. tfjs-wasm multiplies on one thread
 * at about 19 GFLOP/s; OpenBLAS on the same 2 cores reaches about 175 (docs/benchmarks.md). Float32 only; other
 * dtypes and partial batch broadcasting go to the original kernel. Results match the plain kernels to float32
 * rounding (the golden tests pass either way). VLPROMPT_NATIVE_BLAS=0 turns it off.
 */

export interface NativeBlas {
  gemm(
    transA: boolean, transB: boolean, batch: number, m: number, n: number, k: number,
    a: Float32Array, strideA: number, b: Float32Array, strideB: number, c: Float32Array, strideC: number,
  ): void;
  library(): string | null;
  /** [OpenBLAS kernels in use, the ones OpenBLAS picked itself when the addon replaced them]; "" where unknown. */
  kernels?(): [string, string];
}

interface MatMulPlan {
  readonly outShape: number[];
  readonly batch: number;
  readonly m: number;
  readonly n: number;
  readonly k: number;
  readonly strideA: number;
  readonly strideB: number;
}

/** op(a) . op(b) shapes, with batch broadcasting when both batches match or one side's is all ones; else null. */
export function planMatMul(a: readonly number[], b: readonly number[], transposeA: boolean, transposeB: boolean): MatMulPlan | null {
  const [ra, rb] = [a.length, b.length];
  if (ra < 2 || rb < 2) return null;
  const m = transposeA ? a[ra - 1]! : a[ra - 2]!;
  const k = transposeA ? a[ra - 2]! : a[ra - 1]!;
  const n = transposeB ? b[rb - 2]! : b[rb - 1]!;
  if (k !== (transposeB ? b[rb - 1]! : b[rb - 2]!)) return null;
  const [batchA, batchB] = [a.slice(0, -2), b.slice(0, -2)];
  const [sizeA, sizeB] = [elementCount(batchA), elementCount(batchB)];
  let outBatch: number[];
  if (batchA.length === batchB.length && batchA.every((d, i) => d === batchB[i])) outBatch = batchA;
  else if (sizeA === 1 && batchA.length <= batchB.length) outBatch = batchB;
  else if (sizeB === 1 && batchB.length <= batchA.length) outBatch = batchA;
  else return null;
  return { outShape: [...outBatch, m, n], batch: elementCount(outBatch), m, n, k, strideA: sizeA === 1 ? 0 : m * k, strideB: sizeB === 1 ? 0 : k * n };
}

function nativeKernel(blas: NativeBlas, backendName: "wasm" | "cpu", original: tf.KernelConfig): tf.KernelFunc {
  return ((args: KernelArgs) => {
    const { a, b } = args.inputs as { a: tf.TensorInfo; b: tf.TensorInfo };
    const { transposeA, transposeB } = args.attrs as unknown as { transposeA: boolean; transposeB: boolean };
    const plan = a.dtype === "float32" && b.dtype === "float32" ? planMatMul(a.shape, b.shape, transposeA, transposeB) : null;
    if (!plan) return original.kernelFunc(args);
    const { batch, m, n, k, strideA, strideB } = plan;
    if (backendName === "wasm") {
      const backend = args.backend as unknown as WasmBackendLike;
      const out = backend.makeOutput(plan.outShape, "float32"); // may grow the heap: take the views afterwards
      if (batch * m * n === 0) return out;
      const [av, bv, cv] = [backend.typedArrayFromHeap(a), backend.typedArrayFromHeap(b), backend.typedArrayFromHeap(out)];
      blas.gemm(transposeA, transposeB, batch, m, n, k, av, strideA, bv, strideB, cv, m * n);
      return out;
    }
    const backend = args.backend as unknown as CpuBackendLike;
    const values = new Float32Array(elementCount(plan.outShape));
    if (values.length > 0) {
      blas.gemm(transposeA, transposeB, batch, m, n, k, backend.data.get(a.dataId).values, strideA, backend.data.get(b.dataId).values, strideB, values, m * n);
    }
    return backend.makeTensorInfo(plan.outShape, "float32", values);
  }) as tf.KernelFunc;
}

/** With a native kernel the transposeA/B flags cost nothing, so the gradient uses them (tfjs-core's formulation). */
function flagGradient(dy: tf.Tensor, a: tf.Tensor, b: tf.Tensor, transposeA: boolean, transposeB: boolean) {
  const mm = (x: tf.Tensor, y: tf.Tensor, tx: boolean, ty: boolean) => tf.matMul(x as tf.Tensor3D, y as tf.Tensor3D, tx, ty);
  if (!transposeA && !transposeB) return { a: () => mm(dy, b, false, true), b: () => mm(a, dy, true, false) };
  if (!transposeA && transposeB) return { a: () => mm(dy, b, false, false), b: () => mm(dy, a, true, false) };
  if (transposeA && !transposeB) return { a: () => mm(b, dy, false, true), b: () => mm(a, dy, false, false) };
  return { a: () => mm(b, dy, true, true), b: () => mm(dy, a, true, true) };
}

/** Sum a broadcast gradient over its leading dimensions back to `shape`. */
function reduceTo(grad: tf.Tensor, shape: readonly number[]): tf.Tensor {
  let out = grad;
  while (out.rank > shape.length) out = tf.sum(out, 0);
  for (let axis = 0; axis < shape.length - 2; axis++) if (shape[axis] === 1 && out.shape[axis] !== 1) out = tf.sum(out, axis, true);
  return tf.reshape(out, [...shape]);
}

const nativeBackends = new Set<string>();

/**
 * op(a) . op(b) in the form that is fast on the current backend: with the transpose flags where they cost nothing
 * (the native kernel, GPU backends), else with explicit transposes first (plain wasm/cpu run flagged products
 * 10-30x slower). For hand-written backward passes; the registered matMul gradient makes the same choice.
 */
export function matMulTransposed(a: tf.Tensor, b: tf.Tensor, transposeA: boolean, transposeB: boolean): tf.Tensor {
  const name = tf.getBackend();
  if (nativeBackends.has(name) || (name !== "wasm" && name !== "cpu")) return tf.matMul(a as tf.Tensor3D, b as tf.Tensor3D, transposeA, transposeB);
  return tf.matMul((transposeA ? swapLastTwo(a) : a) as tf.Tensor3D, (transposeB ? swapLastTwo(b) : b) as tf.Tensor3D);
}

/**
 * Route the gradient through the flag form on backends with the native kernel and through `fallback` (the
 * explicit-transpose gradient of fast-matmul-grad.ts) everywhere else.
 */
function registerDispatchingGradient(): void {
  const fallback = tf.getGradient(tf.BatchMatMul);
  tf.registerGradient({
    kernelName: tf.BatchMatMul,
    inputsToSave: ["a", "b"],
    gradFunc: (dy, saved, attrs) => {
      if (!nativeBackends.has(tf.getBackend()) && fallback) return fallback.gradFunc(dy, saved, attrs);
      const [a, b] = saved as [tf.Tensor, tf.Tensor];
      const { transposeA, transposeB } = attrs as unknown as { transposeA: boolean; transposeB: boolean };
      const grads = flagGradient(dy as tf.Tensor, a, b, transposeA, transposeB);
      return { a: () => reduceTo(grads.a(), a.shape), b: () => reduceTo(grads.b(), b.shape) };
    },
  });
}

let gradientRegistered = false;
let addon: { blas: NativeBlas | null; rows: NativeBlas | null } | undefined;
let unavailable = "";

/** The addon with a BLAS (for matMul), and the addon whenever it loads (for the fused row kernels, BLAS or not). */
async function loadAddon(): Promise<{ blas: NativeBlas | null; rows: NativeBlas | null }> {
  if (addon !== undefined) return addon;
  addon = { blas: null, rows: null };
  try {
    type Package = { loadNativeBlas(): NativeBlas | null; loadNativeAddon(): NativeBlas | null; whyUnavailable(): string };
    const loaded = (await import("@vlprompt/native-blas" as string)) as Package;
    addon = { blas: loaded.loadNativeBlas(), rows: loaded.loadNativeAddon() };
    if (!addon.blas) unavailable = loaded.whyUnavailable();
  } catch {
    unavailable = "the optional package @vlprompt/native-blas is not installed";
  }
  return addon;
}

/** Whether the addon is on (VLPROMPT_NATIVE_BLAS) and loads here, BLAS or not: where the fused row kernels exist. */
export async function nativeAddonLoads(): Promise<boolean> {
  return process.env.VLPROMPT_NATIVE_BLAS !== "0" && (await loadAddon()).rows !== null;
}

/**
 * Register the native matMul and the addon's fused row kernels (native-rows.ts) for `backendName` (wasm or cpu)
 * when the addon loads. Returns the line for the backend report ("matMul through native BLAS (libopenblas.so.0,
 * Haswell kernels) and fused row kernels"; without a BLAS "native BLAS skipped (why); fused row kernels"; or why
 * nothing native is used); null for other backends.
 */
export async function enableNativeMatMul(backendName: string): Promise<string | null> {
  if (backendName !== "wasm" && backendName !== "cpu") return null;
  if (process.env.VLPROMPT_NATIVE_BLAS === "0") return "native BLAS off (VLPROMPT_NATIVE_BLAS=0)";
  const { blas: native, rows: rowAddon } = await loadAddon();
  const registered = rowAddon !== null && enableRowKernels(rowAddon as unknown as Partial<NativeRows>, backendName);
  const off = process.env.VLPROMPT_NATIVE_ROWS === "0"; // registered but not used (read again at every call)
  const rowsNote = (joiner: string) => (!registered ? "" : off ? `${joiner}fused row kernels off (VLPROMPT_NATIVE_ROWS=0)` : `${joiner}fused row kernels`);
  if (!native) return `native BLAS skipped (${unavailable})${rowsNote("; ")}`;
  if (!nativeBackends.has(backendName)) {
    const original = tf.getKernel(tf.BatchMatMul, backendName);
    if (!original) return `native BLAS skipped (no BatchMatMul kernel on ${backendName})${rowsNote("; ")}`;
    tf.unregisterKernel(tf.BatchMatMul, backendName);
    tf.registerKernel({ kernelName: tf.BatchMatMul, backendName, kernelFunc: nativeKernel(native, backendName, original) });
    nativeBackends.add(backendName);
  }
  if (!gradientRegistered) {
    gradientRegistered = true;
    registerDispatchingGradient();
  }
  return `matMul through native BLAS (${describeBlas(native)})${rowsNote(" and ")}`;
}

/** "libopenblas.so.0, Haswell kernels", saying so when the addon replaced OpenBLAS's own choice. */
export function describeBlas(native: NativeBlas): string {
  const [inUse, replaced] = native.kernels?.() ?? ["", ""];
  if (!inUse) return native.library() ?? "?";
  const note = replaced ? ` (OpenBLAS took this CPU for ${replaced}; set OPENBLAS_CORETYPE to choose)` : "";
  return `${native.library()}, ${inUse} kernels${note}`;
}
