import type * as tf from "@tensorflow/tfjs";

/**
 * The parts of tfjs's wasm and cpu backends that vlprompt's native kernels (native-matmul.ts, native-rows.ts) use
 * to read their inputs and write their outputs in place: the wasm heap, or the cpu backend's typed arrays.
 */
export type KernelArgs = Parameters<tf.KernelFunc>[0];

export interface WasmBackendLike {
  makeOutput(shape: number[], dtype: tf.DataType): tf.TensorInfo;
  typedArrayFromHeap(info: tf.TensorInfo): Float32Array;
}

export interface CpuBackendLike {
  data: { get(dataId: object): { values: Float32Array } };
  makeTensorInfo(shape: number[], dtype: tf.DataType, values: Float32Array): tf.TensorInfo;
}

/** The number of elements of a shape. */
export const elementCount = (shape: readonly number[]) => shape.reduce((n, d) => n * d, 1);
