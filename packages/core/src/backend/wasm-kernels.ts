import * as tf from "@tensorflow/tfjs";

/**
 * Two tfjs inefficiencies that cost CLIP training steps real time, fixed without changing any result:
 * - tfjs-backend-wasm's Slice (and SplitV, built on it) copies the WHOLE input out of the wasm heap before
 *   slicing (`readSync`), so splitting attention's [tokens, 3 * width] projection copies it three times. The
 *   kernels below read the input through a heap view instead.
 * - tfjs's Tile gradient (and so broadcastTo's: CoOp's shared context is broadcast over the classes) slices and
 *   adds once per repetition. The gradient below is one reshape and one sum.
 * - tfjs-core clones every tensor it saves for the backward pass, and tfjs-wasm's Identity copies the data. Tensor
 *   data is never written after creation, so the clone below shares it (as tfjs-backend-cpu's Identity does).
 * - tfjs-wasm's GatherV2 copies element by element through strides (650 rows of 384 floats: 14 ms). Gathering
 *   whole rows (axis 0, the text encoder's row packing and every embedding lookup) is one copy per row below.
 * - tfjs-wasm's Tile (and so broadcastTo) computes a source index per element (1.3 ms for CoOp's 10-class context
 *   broadcast); below it copies whole blocks.
 * bench/profile.ts shows the per-kernel times; docs/benchmarks.md has the before/after.
 */

interface HeapBackend {
  incRef(dataId: object): void;
  makeOutput(shape: number[], dtype: tf.DataType): tf.TensorInfo;
  typedArrayFromHeap(info: tf.TensorInfo): Float32Array | Int32Array | Uint8Array;
}

type KernelArgs = Parameters<tf.KernelFunc>[0];

function strides(shape: readonly number[]): number[] {
  const out = new Array<number>(shape.length).fill(1);
  for (let d = shape.length - 2; d >= 0; d--) out[d] = out[d + 1]! * shape[d + 1]!;
  return out;
}

/** Copy x[begin : begin + size] (row-major) into out, one contiguous run at a time. */
export function copySlice(
  x: ArrayLike<number> & { subarray(a: number, b: number): ArrayLike<number> },
  shape: readonly number[],
  begin: readonly number[],
  size: readonly number[],
  out: { set(values: ArrayLike<number>, offset: number): void },
): void {
  const xStrides = strides(shape);
  // The innermost dimensions taken whole, plus the first partial one, form one contiguous run.
  let d = shape.length - 1;
  let run = 1;
  while (d >= 0 && begin[d] === 0 && size[d] === shape[d]) run *= shape[d--]!;
  if (d < 0) {
    out.set(x.subarray(0, run), 0);
    return;
  }
  run *= size[d]!;
  const outer = size.slice(0, d);
  const count = outer.reduce((n, s) => n * s, 1);
  const index = new Array<number>(d).fill(0);
  let written = 0;
  for (let i = 0; i < count; i++) {
    let offset = begin[d]! * xStrides[d]!;
    for (let k = 0; k < d; k++) offset += (begin[k]! + index[k]!) * xStrides[k]!;
    out.set(x.subarray(offset, offset + run), written);
    written += run;
    for (let k = d - 1; k >= 0 && ++index[k]! === outer[k]; k--) index[k] = 0; // odometer over the outer dims
  }
}

function heapSlice(backend: HeapBackend, x: tf.TensorInfo, begin: number[], size: number[]): tf.TensorInfo {
  const out = backend.makeOutput(size, x.dtype); // may grow the heap: take the views afterwards
  if (size.some((s) => s === 0)) return out;
  copySlice(backend.typedArrayFromHeap(x), x.shape, begin, size, backend.typedArrayFromHeap(out));
  return out;
}

/** x[indices] along axis 0 as one heap copy per row; null (use tfjs's kernel) for other axes, batch dims or dtypes. */
function gatherRows(args: KernelArgs): tf.TensorInfo | null {
  const { x, indices } = args.inputs as { x: tf.TensorInfo; indices: tf.TensorInfo };
  const { axis, batchDims } = args.attrs as unknown as { axis: number; batchDims: number };
  const supported = (x.dtype === "float32" || x.dtype === "int32") && indices.dtype === "int32" && (batchDims ?? 0) === 0;
  if (!supported || tf.util.parseAxisParam(axis, x.shape)[0] !== 0 || x.shape.length === 0) return null;
  const backend = args.backend as unknown as HeapBackend;
  const rows = x.shape[0]!;
  const rowSize = x.shape.slice(1).reduce((n, d) => n * d, 1);
  const out = backend.makeOutput([...indices.shape, ...x.shape.slice(1)], x.dtype); // may grow the heap: views after
  const [source, ids, target] = [backend.typedArrayFromHeap(x), backend.typedArrayFromHeap(indices), backend.typedArrayFromHeap(out)];
  for (let i = 0; i < ids.length; i++) {
    const row = ids[i]!;
    if (!(row >= 0 && row < rows)) throw new Error(`GatherV2: the index value ${row} is not in [0, ${rows - 1}]`);
    target.set(source.subarray(row * rowSize, (row + 1) * rowSize), i * rowSize);
  }
  return out;
}

/**
 * tf.tile's output (x [s0, s1, ...] repeated reps [r0, r1, ...] times per axis) by whole-block copies: the
 * innermost axes that are not repeated are one contiguous run, and each repeated axis copies its first block r - 1
 * times. tfjs-wasm's Tile computes every element's source index (CoOp's context broadcast over 10 classes,
 * [1, 16, 128] to [10, 16, 128]: 1.3 ms).
 */
export function tileInto(
  x: ArrayLike<number> & { subarray(a: number, b: number): ArrayLike<number> },
  shape: readonly number[],
  reps: readonly number[],
  out: { set(values: ArrayLike<number>, offset: number): void; copyWithin(target: number, start: number, end: number): unknown },
): void {
  const outShape = shape.map((s, i) => s * reps[i]!);
  const [xStrides, outStrides] = [strides(shape), strides(outShape)];
  let contiguous = shape.length; // from this axis on nothing repeats: source and output runs coincide
  while (contiguous > 0 && reps[contiguous - 1] === 1) contiguous--;
  const fill = (axis: number, from: number, to: number): void => {
    if (axis >= contiguous) {
      const run = axis === 0 ? shape.reduce((n, d) => n * d, 1) : xStrides[axis - 1]!;
      out.set(x.subarray(from, from + run), to);
      return;
    }
    for (let i = 0; i < shape[axis]!; i++) fill(axis + 1, from + i * xStrides[axis]!, to + i * outStrides[axis]!);
    const block = shape[axis]! * outStrides[axis]!;
    for (let r = 1; r < reps[axis]!; r++) out.copyWithin(to + r * block, to, to + block);
  };
  if (outShape.every((d) => d > 0)) fill(0, 0, 0);
}

function heapTile(args: KernelArgs, original: tf.KernelConfig): tf.TensorInfo {
  const { x } = args.inputs as { x: tf.TensorInfo };
  const { reps } = args.attrs as unknown as { reps: number[] };
  if (x.dtype === "string" || x.dtype === "complex64" || reps.length !== x.shape.length) return original.kernelFunc(args) as tf.TensorInfo;
  const backend = args.backend as unknown as HeapBackend;
  const out = backend.makeOutput(x.shape.map((s, i) => s * reps[i]!), x.dtype); // may grow the heap: views after
  tileInto(backend.typedArrayFromHeap(x), x.shape, reps, backend.typedArrayFromHeap(out));
  return out;
}

function registerWasmSlices(): void {
  const slice = tf.getKernel(tf.Slice, "wasm");
  const splitV = tf.getKernel(tf.SplitV, "wasm");
  if (!slice || !splitV) return;
  const sliceFunc = (args: KernelArgs) => {
    const { x } = args.inputs as { x: tf.TensorInfo };
    if (x.dtype === "string") return slice.kernelFunc(args);
    const { begin, size } = args.attrs as unknown as { begin: number | number[]; size: number | number[] };
    const [b, s] = tf.slice_util.parseSliceParams(x as tf.Tensor, begin, size);
    return heapSlice(args.backend as unknown as HeapBackend, x, b, s);
  };
  const splitFunc = (args: KernelArgs) => {
    const { x } = args.inputs as { x: tf.TensorInfo };
    if (x.dtype === "string") return splitV.kernelFunc(args);
    const { numOrSizeSplits, axis } = args.attrs as unknown as { numOrSizeSplits: number | number[]; axis: number };
    const at = tf.util.parseAxisParam(axis, x.shape)[0]!;
    const sizes = tf.backend_util.prepareSplitSize(x as tf.Tensor, numOrSizeSplits, at);
    const begin = new Array<number>(x.shape.length).fill(0);
    return sizes.map((s) => {
      const size = [...x.shape];
      size[at] = s;
      const part = heapSlice(args.backend as unknown as HeapBackend, x, [...begin], size);
      begin[at]! += s;
      return part;
    });
  };
  const identityFunc = (args: KernelArgs) => {
    const { x } = args.inputs as { x: tf.TensorInfo };
    (args.backend as unknown as HeapBackend).incRef(x.dataId);
    return { dataId: x.dataId, shape: x.shape, dtype: x.dtype };
  };
  const gather = tf.getKernel(tf.GatherV2, "wasm");
  if (gather) {
    tf.unregisterKernel(tf.GatherV2, "wasm");
    tf.registerKernel({ kernelName: tf.GatherV2, backendName: "wasm", kernelFunc: ((args: KernelArgs) => gatherRows(args) ?? gather.kernelFunc(args)) as tf.KernelFunc });
  }
  const tile = tf.getKernel(tf.Tile, "wasm");
  if (tile) {
    tf.unregisterKernel(tf.Tile, "wasm");
    tf.registerKernel({ kernelName: tf.Tile, backendName: "wasm", kernelFunc: ((args: KernelArgs) => heapTile(args, tile)) as tf.KernelFunc });
  }
  if (tf.getKernel(tf.Identity, "wasm")) tf.unregisterKernel(tf.Identity, "wasm");
  tf.registerKernel({ kernelName: tf.Identity, backendName: "wasm", kernelFunc: identityFunc as tf.KernelFunc });
  tf.unregisterKernel(tf.Slice, "wasm");
  tf.registerKernel({ kernelName: tf.Slice, backendName: "wasm", kernelFunc: sliceFunc as tf.KernelFunc });
  tf.unregisterKernel(tf.SplitV, "wasm");
  tf.registerKernel({ kernelName: tf.SplitV, backendName: "wasm", kernelFunc: splitFunc as tf.KernelFunc });
}

/**
 * Sum dy [s0 * r0, s1 * r1, ...] over the repetitions back to x's shape [s0, s1, ...]: view dy as
 * [r0, s0, r1, s1, ...], drop size-1 dimensions, merge neighbours of the same kind, sum the repetition axes.
 */
export function tileGradient(dy: tf.Tensor, shape: readonly number[], reps: readonly number[]): tf.Tensor {
  const dims: { size: number; summed: boolean }[] = [];
  reps.forEach((r, i) => {
    for (const dim of [{ size: r, summed: true }, { size: shape[i]!, summed: false }]) {
      if (dim.size === 1) continue;
      const last = dims[dims.length - 1];
      if (last && last.summed === dim.summed) last.size *= dim.size;
      else dims.push({ ...dim });
    }
  });
  const axes = dims.flatMap((d, i) => (d.summed ? [i] : []));
  const summed = axes.length === 0 ? dy : tf.sum(tf.reshape(dy, dims.map((d) => d.size)), axes);
  return tf.reshape(summed, [...shape]);
}

let gradientRegistered = false;
let slicesRegistered = false;

/**
 * Register the one-sum Tile gradient, and the heap-view Slice/SplitV/Identity when `backendName` is wasm.
 * VLPROMPT_FAST_KERNELS=0 keeps tfjs's own (for measuring what these change: bench/levers.ts).
 */
export function registerFastKernels(backendName: string): void {
  if (process.env.VLPROMPT_FAST_KERNELS === "0") return;
  if (backendName === "wasm" && !slicesRegistered) {
    slicesRegistered = true;
    registerWasmSlices();
  }
  if (gradientRegistered) return;
  gradientRegistered = true;
  tf.registerGradient({
    kernelName: tf.Tile,
    inputsToSave: ["x"],
    gradFunc: (dy, saved, attrs) => {
      const [x] = saved as [tf.Tensor];
      const { reps } = attrs as unknown as { reps: number[] };
      return { x: () => tileGradient(dy as tf.Tensor, x.shape, reps) };
    },
  });
}
