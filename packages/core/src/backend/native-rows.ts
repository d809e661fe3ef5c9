import * as tf from "@tensorflow/tfjs";
import { elementCount, type CpuBackendLike, type KernelArgs, type WasmBackendLike } from "./backend-data.js";

/**
 * Fused kernels from the native addon (@vlprompt/native-blas, src/rows.c and src/attention.c), registered as tfjs
 * kernels of the wasm and cpu backends next to the native matMul: LayerNorm, QuickGELU and multi-head attention
 * (from the qkv rows, heads as strided views), forward and input gradient. Each replaces 3-19 tfjs kernels, and on
 * wasm every kernel costs 1-4 us of bookkeeping before its arithmetic (about 11 us with the gradient tape), a large
 * share of a prompt-tuning step on a small backbone. clip/layers.ts calls them where they are registered and
 * composes tfjs ops elsewhere (GPU backends, no addon, VLPROMPT_NATIVE_ROWS=0). They have no tfjs gradient: they
 * run inside custom-gradient ops whose backward calls the gradient kernels.
 */

export interface NativeRows {
  layerNorm(rows: number, width: number, eps: number, x: Float32Array, gamma: Float32Array, beta: Float32Array, out: Float32Array, normalized: Float32Array, rstd: Float32Array): void;
  layerNormGrad(rows: number, width: number, dy: Float32Array, normalized: Float32Array, rstd: Float32Array, gamma: Float32Array, dx: Float32Array): void;
  quickGelu(count: number, x: Float32Array, out: Float32Array, scaled: Float32Array, gate: Float32Array): void;
  quickGeluGrad(count: number, dy: Float32Array, scaled: Float32Array, gate: Float32Array, dx: Float32Array): void;
  attention(batch: number, tokens: number, heads: number, headDim: number, qkv: Float32Array, mask: Float32Array | null, merged: Float32Array, probs: Float32Array): void;
  attentionGrad(batch: number, tokens: number, heads: number, headDim: number, dMerged: Float32Array, qkv: Float32Array, probs: Float32Array, dQkv: Float32Array): void;
}

export const rowKernelNames = {
  layerNorm: "VlpLayerNorm",
  layerNormGrad: "VlpLayerNormGrad",
  quickGelu: "VlpQuickGelu",
  quickGeluGrad: "VlpQuickGeluGrad",
  attention: "VlpAttention",
  attentionGrad: "VlpAttentionGrad",
} as const;

/**
 * A kernel whose float32 outputs (shapes from `outputShapes`) are filled by `run` from its inputs' and outputs'
 * data, on the wasm heap or the cpu backend's arrays.
 */
function fusedKernel(
  backendName: "wasm" | "cpu",
  inputNames: readonly string[],
  outputShapes: (inputs: tf.TensorInfo[], attrs: KernelArgs["attrs"]) => number[][],
  run: (inputs: Float32Array[], outputs: Float32Array[], inputInfos: tf.TensorInfo[], attrs: KernelArgs["attrs"]) => void,
): tf.KernelFunc {
  return ((args: KernelArgs) => {
    // An absent optional input (attention's mask) stays undefined, and so does its data.
    const infos = inputNames.map((name) => (args.inputs as Record<string, tf.TensorInfo>)[name]!);
    const bad = infos.find((info) => info && info.dtype !== "float32");
    if (bad) throw new Error(`vlprompt fused row kernel: float32 inputs only, got ${bad.dtype}`);
    const shapes = outputShapes(infos, args.attrs);
    if (backendName === "wasm") {
      const backend = args.backend as unknown as WasmBackendLike;
      const outputs = shapes.map((shape) => backend.makeOutput(shape, "float32")); // may grow the heap: views after
      run(infos.map((info) => info && backend.typedArrayFromHeap(info)), outputs.map((info) => backend.typedArrayFromHeap(info)), infos, args.attrs);
      return outputs;
    }
    const backend = args.backend as unknown as CpuBackendLike;
    const values = shapes.map((shape) => new Float32Array(elementCount(shape)));
    run(infos.map((info) => info && backend.data.get(info.dataId).values), values, infos, args.attrs);
    return shapes.map((shape, i) => backend.makeTensorInfo(shape, "float32", values[i]!));
  }) as tf.KernelFunc;
}

const rowsOf = (shape: readonly number[]) => [elementCount(shape.slice(0, -1)), shape[shape.length - 1]!] as const;

/** The attention kernels' sizes from qkv [batch * tokens, 3 * width] and the attrs batch and heads. */
function attentionSizes(qkv: tf.TensorInfo, attrs: KernelArgs["attrs"]) {
  const { batch, heads } = attrs as unknown as { batch: number; heads: number };
  const [rows, columns] = qkv.shape as [number, number];
  return { batch, tokens: rows / batch, heads, headDim: columns / 3 / heads };
}

function attentionShapes(qkv: tf.TensorInfo, attrs: KernelArgs["attrs"]): number[][] {
  const { batch, tokens, heads, headDim } = attentionSizes(qkv, attrs);
  return [[batch * tokens, heads * headDim], [batch, heads, tokens, tokens]];
}

function kernelConfigs(native: NativeRows, backendName: "wasm" | "cpu"): tf.KernelConfig[] {
  const kernel = (kernelName: string, inputs: string[], shapes: (i: tf.TensorInfo[], attrs?: KernelArgs["attrs"]) => number[][], run: Parameters<typeof fusedKernel>[3]) =>
    ({ kernelName, backendName, kernelFunc: fusedKernel(backendName, inputs, shapes, run) });
  return [
    // x [..., width] -> value, normalized [..., width], rstd [..., 1]
    kernel(rowKernelNames.layerNorm, ["x", "gamma", "beta"], ([x]) => [x!.shape, x!.shape, [...x!.shape.slice(0, -1), 1]], ([x, gamma, beta], [value, normalized, rstd], [info], attrs) => {
      const [rows, width] = rowsOf(info!.shape);
      native.layerNorm(rows, width, (attrs as { epsilon: number }).epsilon, x!, gamma!, beta!, value!, normalized!, rstd!);
    }),
    kernel(rowKernelNames.layerNormGrad, ["dy", "normalized", "rstd", "gamma"], ([dy]) => [dy!.shape], ([dy, normalized, rstd, gamma], [dx], [info]) => {
      const [rows, width] = rowsOf(info!.shape);
      native.layerNormGrad(rows, width, dy!, normalized!, rstd!, gamma!, dx!);
    }),
    kernel(rowKernelNames.quickGelu, ["x"], ([x]) => [x!.shape, x!.shape, x!.shape], ([x], [value, scaled, gate], [info]) => {
      native.quickGelu(elementCount(info!.shape), x!, value!, scaled!, gate!);
    }),
    kernel(rowKernelNames.quickGeluGrad, ["dy", "scaled", "gate"], ([dy]) => [dy!.shape], ([dy, scaled, gate], [dx], [info]) => {
      native.quickGeluGrad(elementCount(info!.shape), dy!, scaled!, gate!, dx!);
    }),
    // qkv [batch * tokens, 3 * width], mask [tokens, tokens] or absent -> merged [batch * tokens, width], probs [batch, heads, tokens, tokens]
    kernel(rowKernelNames.attention, ["qkv", "mask"], ([qkv], attrs = {}) => attentionShapes(qkv!, attrs), ([qkv, mask], [merged, probs], [info], attrs) => {
      const { batch, tokens, heads, headDim } = attentionSizes(info!, attrs);
      native.attention(batch, tokens, heads, headDim, qkv!, mask ?? null, merged!, probs!);
    }),
    // dMerged [batch * tokens, width], qkv, probs -> dQkv [batch * tokens, 3 * width]
    kernel(rowKernelNames.attentionGrad, ["dMerged", "qkv", "probs"], ([, qkv]) => [qkv!.shape], ([dMerged, qkv, probs], [dQkv], [, info], attrs) => {
      const { batch, tokens, heads, headDim } = attentionSizes(info!, attrs);
      native.attentionGrad(batch, tokens, heads, headDim, dMerged!, qkv!, probs!, dQkv!);
    }),
  ];
}

const registered = new Set<string>();

/** Register the fused row kernels on `backendName` (once). Returns false where the addon lacks them. */
export function enableRowKernels(native: Partial<NativeRows>, backendName: "wasm" | "cpu"): boolean {
  const names = ["layerNorm", "layerNormGrad", "quickGelu", "quickGeluGrad", "attention", "attentionGrad"] as const;
  if (names.some((name) => typeof native[name] !== "function")) return false;
  if (registered.has(backendName)) return true;
  for (const config of kernelConfigs(native as NativeRows, backendName)) tf.registerKernel(config);
  registered.add(backendName);
  return true;
}

/** True when the current backend has the fused row kernels and VLPROMPT_NATIVE_ROWS is not "0". */
export function rowKernelsActive(): boolean {
  return registered.has(tf.getBackend()) && process.env.VLPROMPT_NATIVE_ROWS !== "0";
}
