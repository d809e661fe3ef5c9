import * as tf from "@tensorflow/tfjs";
import { existsSync, readFileSync } from "node:fs";
import { beforeAll, describe, expect, it } from "vitest";
import { Rng } from "../tensor/rng.js";
import { enableNativeMatMul, planMatMul } from "./native-matmul.js";
import { initBackend } from "./select.js";
import { copySlice, tileGradient, tileInto } from "./wasm-kernels.js";

/** Plain row-major reference: op(a) . op(b) per batch entry (a, b already broadcast to the same batch). */
function referenceMatMul(a: tf.Tensor, b: tf.Tensor, ta: boolean, tb: boolean): number[] {
  const [A, B] = [a.arraySync() as number[][][], b.arraySync() as number[][][]];
  const out: number[] = [];
  A.forEach((matA, i) => {
    const opA = ta ? matA[0]!.map((_, c) => matA.map((row) => row[c]!)) : matA;
    const matB = B[i]!;
    const opB = tb ? matB[0]!.map((_, c) => matB.map((row) => row[c]!)) : matB;
    for (const row of opA) for (let j = 0; j < opB[0]!.length; j++) out.push(row.reduce((s, v, k) => s + v * opB[k]![j]!, 0));
  });
  return out;
}

function closeTo(actual: ArrayLike<number>, expected: ArrayLike<number>, tolerance = 1e-4): void {
  expect(actual.length).toBe(expected.length);
  let worst = 0;
  for (let i = 0; i < actual.length; i++) worst = Math.max(worst, Math.abs(actual[i]! - expected[i]!));
  expect(worst).toBeLessThan(tolerance);
}

const random = (shape: number[], seed: number) => tf.tensor(new Rng(seed).normalArray(shape.reduce((a, b) => a * b, 1)), shape);

describe("copySlice", () => {
  it("copies the same elements as a naive strided loop", () => {
    const shape = [3, 4, 5, 6];
    const x = Float32Array.from({ length: 360 }, (_, i) => i);
    for (const [begin, size] of [[[0, 0, 0, 0], [3, 4, 5, 6]], [[1, 0, 0, 0], [2, 4, 5, 6]], [[0, 1, 2, 3], [3, 2, 2, 3]], [[2, 3, 4, 5], [1, 1, 1, 1]], [[0, 0, 0, 2], [3, 4, 5, 2]]]) {
      const out = new Float32Array(size!.reduce((a, b) => a * b, 1));
      copySlice(x, shape, begin!, size!, out);
      const expected: number[] = [];
      for (let a = 0; a < size![0]!; a++) for (let b = 0; b < size![1]!; b++) for (let c = 0; c < size![2]!; c++) for (let d = 0; d < size![3]!; d++) {
        expected.push(((begin![0]! + a) * 4 + begin![1]! + b) * 30 + (begin![2]! + c) * 6 + begin![3]! + d);
      }
      expect(Array.from(out)).toEqual(expected);
    }
  });
});

describe("tileInto", () => {
  it("gives tf.tile's elements (on cpu) for repeats on any axes, size-1 axes and no repeats", async () => {
    await initBackend({ backend: "cpu", log: () => {} });
    const cases: [number[], number[]][] = [[[1, 16, 8], [10, 1, 1]], [[2, 3, 4], [1, 2, 1]], [[2, 3, 4], [3, 1, 2]], [[2, 1, 3, 2], [1, 5, 1, 1]], [[4], [3]], [[2, 3], [1, 1]], [[2, 0, 3], [2, 1, 1]]];
    for (const [shape, reps] of cases) {
      const x = Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, (_, i) => i + 1);
      const out = new Float32Array(shape.reduce((n, d, i) => n * d * reps[i]!, 1));
      tileInto(x, shape, reps, out);
      const expected = tf.tidy(() => Array.from(tf.tile(tf.tensor(x, shape), reps).dataSync()));
      expect(Array.from(out), `${shape} x ${reps}`).toEqual(expected);
    }
  });

  it("is the wasm Tile and broadcastTo kernel: the same values as on cpu", async () => {
    const x = random([1, 3, 5], 9);
    const expected = tf.tidy(() => [Array.from(tf.tile(x, [4, 2, 1]).dataSync()), Array.from(tf.broadcastTo(x, [6, 3, 5]).dataSync())]);
    await initBackend({ backend: "wasm", log: () => {} });
    const onWasm = tf.tensor(x.dataSync(), x.shape);
    expect(tf.tidy(() => [Array.from(tf.tile(onWasm, [4, 2, 1]).dataSync()), Array.from(tf.broadcastTo(onWasm, [6, 3, 5]).dataSync())])).toEqual(expected);
    onWasm.dispose();
    x.dispose();
  });
});

describe("planMatMul", () => {
  it("gives the output shape, strides and broadcasting, and refuses what it cannot do", () => {
    expect(planMatMul([2, 3, 4], [2, 4, 5], false, false)).toMatchObject({ outShape: [2, 3, 5], batch: 2, m: 3, n: 5, k: 4, strideA: 12, strideB: 20 });
    expect(planMatMul([4, 3], [5, 4], true, true)).toMatchObject({ outShape: [3, 5], batch: 1, m: 3, n: 5, k: 4 });
    expect(planMatMul([1, 3, 4], [6, 4, 5], false, false)).toMatchObject({ outShape: [6, 3, 5], strideA: 0, strideB: 20 });
    expect(planMatMul([2, 1, 3, 4], [1, 2, 4, 5], false, false)).toBeNull(); // partial broadcast: original kernel
    expect(planMatMul([3, 4], [5, 6], false, false)).toBeNull(); // inner sizes differ: the original kernel throws
  });
});

describe.each(["wasm", "cpu"])("fast kernels on %s", (backend) => {
  let matMul = "";
  beforeAll(async () => {
    matMul = (await initBackend({ backend, log: () => {} })).matMul ?? "";
  });

  it("reports how it multiplies (native BLAS, or why not)", async () => {
    expect(matMul).toMatch(/^(matMul through native BLAS \(.+\)( and fused row kernels( off \(VLPROMPT_NATIVE_ROWS=0\))?)?|native BLAS (skipped|off) \(.+\)(; fused row kernels( off \(VLPROMPT_NATIVE_ROWS=0\))?)?)$/);
    expect(await enableNativeMatMul(backend)).toBe(matMul);
  });

  it("runs OpenBLAS on kernels of the CPU's instruction set, not the generic SSE3 fallback", async () => {
    // OpenBLAS 0.3.21 gives CPU models it does not know (this project's 5th-generation Xeon) its Prescott kernels,
    // 4-10x slower; the addon then reopens it with the kernels the CPU's AVX2 / AVX-512 can run.
    const { loadNativeBlas } = (await import("@vlprompt/native-blas" as string)) as { loadNativeBlas(): { kernels(): [string, string] } | null };
    const [inUse, replaced] = loadNativeBlas()?.kernels() ?? ["", ""];
    const flags = existsSync("/proc/cpuinfo") ? (/^flags\s*:(.*)$/m.exec(readFileSync("/proc/cpuinfo", "utf8"))?.[1] ?? "") : "";
    const userChose = process.env.OPENBLAS_CORETYPE !== undefined && replaced === "";
    if (!inUse || !/\bavx2\b/.test(flags) || userChose) return; // not OpenBLAS, no AVX2, or the user's own choice
    expect(inUse).not.toBe("Prescott");
    if (replaced) expect(matMul).toContain(`${inUse} kernels (OpenBLAS took this CPU for ${replaced}`);
  });

  it("multiplies like the definition, for every transpose flag and batch broadcast", () => {
    for (const [sa, sb, ta, tb] of [
      [[2, 3, 4], [2, 4, 5], false, false], [[2, 4, 3], [2, 4, 5], true, false], [[2, 3, 4], [2, 5, 4], false, true],
      [[2, 4, 3], [2, 5, 4], true, true], [[1, 3, 4], [3, 4, 2], false, false],
    ] as [number[], number[], boolean, boolean][]) {
      tf.tidy(() => {
        const [a, b] = [random(sa, 1), random(sb, 2)];
        const batch = Math.max(sa[0]!, sb[0]!);
        const expected = referenceMatMul(tf.broadcastTo(a, [batch, sa[1]!, sa[2]!]), tf.broadcastTo(b, [batch, sb[1]!, sb[2]!]), ta, tb);
        closeTo(tf.matMul(a as tf.Tensor3D, b as tf.Tensor3D, ta, tb).dataSync(), expected);
      });
    }
  });

  it("differentiates a product with transposes like the definition", () => {
    tf.tidy(() => {
      const [a, b, w] = [random([3, 4], 3), random([5, 4], 4), random([3, 5], 5)];
      const [da, db] = tf.grads((x: tf.Tensor, y: tf.Tensor) => tf.sum(tf.mul(tf.matMul(x as tf.Tensor2D, y as tf.Tensor2D, false, true), w)))([a, b]);
      closeTo(da!.dataSync(), referenceMatMul(tf.reshape(w, [1, 3, 5]), tf.reshape(b, [1, 5, 4]), false, false)); // w . b
      closeTo(db!.dataSync(), referenceMatMul(tf.reshape(w, [1, 3, 5]), tf.reshape(a, [1, 3, 4]), true, false)); // w^T . a
    });
  });

  it("slices and splits like the definition", () => {
    tf.tidy(() => {
      const x = tf.tensor(Float32Array.from({ length: 2 * 6 * 5 }, (_, i) => i), [2, 6, 5]);
      expect(tf.slice(x, [1, 2, 1], [1, 3, 2]).arraySync()).toEqual([[[41, 42], [46, 47], [51, 52]]]);
      const [left, right] = tf.split(x, [2, 3], 2);
      expect(left!.shape).toEqual([2, 6, 2]);
      expect(Array.from(right!.dataSync().slice(0, 4))).toEqual([2, 3, 4, 7]);
      expect(tf.slice(tf.tensor1d([1, 2, 3], "int32"), [1], [2]).arraySync()).toEqual([2, 3]);
    });
  });

  it("gathers rows like the definition (float32 and int32, any index shape), other axes too, and refuses bad indices", () => {
    tf.tidy(() => {
      const x = tf.tensor(Float32Array.from({ length: 4 * 2 * 3 }, (_, i) => i), [4, 2, 3]);
      const rows = tf.gather(x, tf.tensor2d([[3, 0], [3, 1]], [2, 2], "int32"));
      expect(rows.shape).toEqual([2, 2, 2, 3]);
      expect(Array.from(rows.dataSync().slice(0, 12))).toEqual([18, 19, 20, 21, 22, 23, 0, 1, 2, 3, 4, 5]);
      expect(tf.gather(tf.tensor2d([[1, 2], [3, 4]], [2, 2], "int32"), tf.tensor1d([1, 1, 0], "int32")).arraySync()).toEqual([[3, 4], [3, 4], [1, 2]]);
      expect(tf.gather(x, tf.tensor1d([2, 0], "int32"), 2).arraySync()).toEqual([[[2, 0], [5, 3]], [[8, 6], [11, 9]], [[14, 12], [17, 15]], [[20, 18], [23, 21]]]);
      expect(() => tf.gather(x, tf.tensor1d([4], "int32"))).toThrow(/index value 4 is not in \[0, 3\]/);
    });
  });

  it("clones without copying, and a clone outlives its source", () => {
    const x = tf.tensor1d([1, 2, 3]);
    const before = tf.memory().numTensors;
    const y = tf.clone(x);
    x.dispose();
    expect(Array.from(y.dataSync())).toEqual([1, 2, 3]);
    y.dispose();
    expect(tf.memory().numTensors).toBe(before - 1);
  });

  it("takes the gradient of tile / broadcastTo as one sum over the repetitions", () => {
    tf.tidy(() => {
      const x = random([1, 2, 3], 6);
      const w = random([4, 2, 6], 7);
      const grad = tf.grad((t: tf.Tensor) => tf.sum(tf.mul(tf.tile(t, [4, 1, 2]), w)))(x);
      const expected = tf.sum(tf.reshape(w, [4, 2, 2, 3]), [0, 2]).reshape([1, 2, 3]);
      closeTo(grad.dataSync(), expected.dataSync(), 1e-5);
      const broadcast = tf.grad((t: tf.Tensor) => tf.sum(tf.mul(tf.broadcastTo(t, [4, 2, 3]), tf.ones([4, 2, 3]))))(x);
      closeTo(broadcast.dataSync(), new Float32Array(6).fill(4));
      closeTo(tileGradient(tf.ones([2, 2, 2, 2, 4]), [1, 2, 1, 2, 2], [2, 1, 2, 1, 2]).dataSync(), new Float32Array(8).fill(8)); // rank 5
    });
  });
});
