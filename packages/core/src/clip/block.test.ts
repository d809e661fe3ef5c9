import * as tf from "@tensorflow/tfjs";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { nativeAddonLoads } from "../backend/native-matmul.js";
import { rowKernelsActive } from "../backend/native-rows.js";
import { initBackend } from "../backend/select.js";
import { Rng } from "../tensor/rng.js";
import {
  blockFromList as rebuild,
  composedResidualBlock,
  differentiableResidualBlock,
  frozenResidualBlock,
  hasTrainableWeights,
  residualBlock,
  rowSelection,
  weightList as blockTensors,
  type BlockOptions,
} from "./block.js";
import { causalMask } from "./layers.js";
import { rowPacking } from "./packing.js";
import type { BlockWeights } from "./weights.js";

const [width, heads] = [16, 4];

function random(shape: number[], seed: number, scale = 1, shift = 0): tf.Tensor {
  const count = shape.reduce((a, b) => a * b, 1);
  return tf.tensor(new Rng(seed).normalArray(count, scale, shift), shape);
}

function randomBlock(seed: number): BlockWeights {
  const linear = (inputs: number, outputs: number, s: number) => ({
    weightT: random([inputs, outputs], s, 0.3) as tf.Tensor2D,
    bias: random([outputs], s + 1, 0.1) as tf.Tensor1D,
  });
  const norm = (s: number) => ({ gamma: random([width], s, 0.2, 1) as tf.Tensor1D, beta: random([width], s + 1, 0.1) as tf.Tensor1D });
  return { ln1: norm(seed), qkv: linear(width, 3 * width, seed + 2), out: linear(width, width, seed + 4), ln2: norm(seed + 6), fc: linear(width, 4 * width, seed + 8), proj: linear(4 * width, width, seed + 10) };
}

function maxAbsDiff(a: tf.Tensor, b: tf.Tensor): number {
  return tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]!);
}

const EOTS = [5, 2, 4]; // last valid row of each of the 3 test sequences (6 tokens each)

/** The option sets every test below runs with: vision and text blocks, last blocks, packed text blocks. */
function configurations(mask: tf.Tensor2D): Record<string, BlockOptions> {
  const textLast = rowSelection(EOTS, 6, true);
  const packing = rowPacking(EOTS, 6)!;
  return {
    "vision (no mask)": {},
    "text (causal)": { mask },
    "vision, last block (class row)": { select: rowSelection([0, 0, 0], 6, false) },
    "text, last block (EOT rows)": { select: textLast },
    "text, packed rows": { mask, packing },
    "text, packed rows, last block": { select: textLast, packing },
  };
}

const optionTensors = (options: BlockOptions) =>
  ([options.select?.oneHot, options.select?.mask, options.packing?.packed, options.packing?.padded] as (tf.Tensor | undefined)[]).filter((t): t is tf.Tensor => t !== undefined);

/**
 * With composed tfjs ops only, the op's forward is the composed block's bit for bit. With the fused native kernels
 * (backend/native-rows.ts) the op's attention is one kernel while the composed block's is tfjs ops, so the two
 * agree to float32 rounding.
 */
const modes = [
  { mode: "composed tfjs ops", rows: "0", forwardTolerance: 0 },
  { mode: "fused native kernels", rows: "1", forwardTolerance: 1e-6 },
] as const;

for (const backend of ["cpu", "wasm"] as const) {
  describe.each(modes)(`the residual block's hand-written backward on ${backend}, $mode`, ({ rows, forwardTolerance }) => {
    let block: BlockWeights;
    let mask: tf.Tensor2D;
    let configs: Record<string, BlockOptions>;
    const savedSetting = process.env.VLPROMPT_NATIVE_ROWS;
    let addonLoads = false;
    beforeAll(async () => {
      await initBackend({ backend, log: () => {} });
      addonLoads = await nativeAddonLoads();
      process.env.VLPROMPT_NATIVE_ROWS = rows;
      block = randomBlock(10);
      mask = causalMask(6);
      configs = configurations(mask);
    });
    afterAll(() => {
      tf.dispose([...blockTensors(block), mask, ...new Set(Object.values(configs).flatMap(optionTensors))]);
      if (savedSetting === undefined) delete process.env.VLPROMPT_NATIVE_ROWS;
      else process.env.VLPROMPT_NATIVE_ROWS = savedSetting;
    });
    beforeEach((context) => {
      if (rows === "1" && !addonLoads) {
        console.warn("SKIPPED fused-kernel case: the native addon is not built here (@vlprompt/native-blas)");
        context.skip();
      }
      expect(rowKernelsActive()).toBe(rows === "1"); // wherever the addon loads, the fused mode really is fused
    });

    /** max |a - b| within `tolerance` relative to b's scale (0: bit for bit). */
    function expectForward(a: tf.Tensor, b: tf.Tensor): void {
      const [diff, scale] = tf.tidy(() => [maxAbsDiff(a, b), tf.max(tf.abs(b)).dataSync()[0]!]);
      expect(diff).toBeLessThanOrEqual(forwardTolerance * Math.max(1, scale));
    }

    for (const name of Object.keys(configurations(tf.zeros([6, 6])))) {
      it(`${name}: the composed block's forward, the same input gradient as autodiff (frozen weights)`, () => {
        const options = configs[name]!;
        const before = tf.memory().numTensors;
        const x = random([3, 6, width], 1, 1.5, 0.2) as tf.Tensor3D;
        const upstream = random([3, options.select ? 1 : 6, width], 2);
        const loss = (run: typeof composedResidualBlock) => (input: tf.Tensor) => tf.sum(tf.mul(run(input as tf.Tensor3D, block, heads, options), upstream));
        const ours = tf.grad(loss(frozenResidualBlock))(x);
        const reference = tf.grad(loss(composedResidualBlock))(x);
        tf.tidy(() => expectForward(frozenResidualBlock(x, block, heads, options), composedResidualBlock(x, block, heads, options)));
        expect(ours.shape).toEqual([3, 6, width]);
        expectClose(ours, reference, 2e-6);
        tf.dispose([x, upstream, ours, reference]);
        expect(tf.memory().numTensors).toBe(before);
      });

      it(`${name}: the input's and all 12 weights' gradients equal autodiff's (weights differentiated)`, () => {
        const options = configs[name]!;
        const before = tf.memory().numTensors;
        const x = random([3, 6, width], 6, 1.2) as tf.Tensor3D;
        const upstream = random([3, options.select ? 1 : 6, width], 7);
        const loss = (run: typeof composedResidualBlock) => (...values: tf.Tensor[]) => {
          const [input, ...weights] = values;
          return tf.sum(tf.mul(run(input as tf.Tensor3D, rebuild(weights), heads, options), upstream));
        };
        const inputs = [x, ...blockTensors(block)];
        const ours = tf.grads(loss(differentiableResidualBlock))(inputs);
        const reference = tf.grads(loss(composedResidualBlock))(inputs);
        ours.forEach((grad, i) => expectClose(grad, reference[i]!, 3e-6));
        tf.dispose([x, upstream, ...ours, ...reference]);
        expect(tf.memory().numTensors).toBe(before);
      });
    }

    /** Same shape, a real gradient (not all zeros) and equal to `reference` to `tolerance` relative to its scale. */
    function expectClose(actual: tf.Tensor, reference: tf.Tensor, tolerance: number): void {
      expect(actual.shape).toEqual(reference.shape);
      const scale = tf.tidy(() => tf.max(tf.abs(reference)).dataSync()[0]!);
      expect(scale).toBeGreaterThan(1e-3);
      expect(maxAbsDiff(actual, reference)).toBeLessThan(tolerance * Math.max(1, scale));
    }

    it("packed rows give the unpacked block's valid rows and the same gradient for upstream gradients on valid rows", () => tf.tidy(() => {
      const x = random([3, 6, width], 9) as tf.Tensor3D;
      const validRows = EOTS.flatMap((eot) => Array.from({ length: 6 }, (_, j) => Array<number>(width).fill(j <= eot ? 1 : 0)).flat());
      const valid = tf.tensor3d(validRows, [3, 6, width]);
      const upstream = tf.mul(random([3, 6, width], 10), valid);
      const { packing } = configs["text, packed rows"]!;
      const loss = (options: BlockOptions) => (input: tf.Tensor) => tf.sum(tf.mul(frozenResidualBlock(input as tf.Tensor3D, block, heads, options), upstream));
      const [packed, unpacked] = [frozenResidualBlock(x, block, heads, { mask, packing }), frozenResidualBlock(x, block, heads, { mask })];
      expect(maxAbsDiff(tf.mul(packed, valid), tf.mul(unpacked, valid))).toBeLessThan(1e-5);
      expect(maxAbsDiff(tf.mul(packed, tf.sub(1, valid)), tf.zerosLike(packed))).toBe(0); // padding rows are zeros
      expectClose(tf.grad(loss({ mask, packing }))(x), tf.grad(loss({ mask }))(x), 2e-6);
    }));

    it("a selected row equals that row of the full block's output (causal: the row's own mask row)", () => {
      const x = random([3, 6, width], 5) as tf.Tensor3D;
      const full = composedResidualBlock(x, block, heads, { mask });
      const picked = frozenResidualBlock(x, block, heads, configs["text, last block (EOT rows)"]!);
      expect(picked.shape).toEqual([3, 1, width]);
      EOTS.forEach((row, s) => {
        expect(maxAbsDiff(tf.slice(picked, [s, 0, 0], [1, 1, width]), tf.slice(full, [s, row, 0], [1, 1, width]))).toBeLessThan(1e-5);
      });
      tf.dispose([x, full, picked]);
    });

    it("runs the fused attention kernel exactly when the fused kernels are on (not for a row selection)", async () => {
      const x = random([3, 6, width], 11) as tf.Tensor3D;
      const kernelsOf = async (options: BlockOptions) =>
        (await tf.profile(() => tf.tidy(() => void frozenResidualBlock(x, block, heads, options).dataSync()))).kernels.map((k) => k.name);
      const [causal, selected] = [await kernelsOf({ mask }), await kernelsOf(configs["text, last block (EOT rows)"]!)];
      expect(causal.includes("VlpAttention")).toBe(rows === "1");
      expect(causal.includes("VlpLayerNorm")).toBe(rows === "1");
      expect(selected.includes("VlpAttention")).toBe(false);
      x.dispose();
    });

    it("a causal mask stops gradients flowing to earlier tokens from later outputs", () => {
      const x = random([1, 6, width], 3) as tf.Tensor3D;
      // Only the first token's output enters the loss: tokens 1..5 cannot influence it under the causal mask.
      const grad = tf.grad((input: tf.Tensor) => tf.sum(tf.slice(frozenResidualBlock(input as tf.Tensor3D, block, heads, { mask }), [0, 0, 0], [1, 1, width])))(x);
      const later = tf.tidy(() => tf.max(tf.abs(tf.slice(grad, [0, 1, 0], [1, 5, width]))).dataSync()[0]!);
      const first = tf.tidy(() => tf.max(tf.abs(tf.slice(grad, [0, 0, 0], [1, 1, width]))).dataSync()[0]!);
      expect(later).toBe(0);
      expect(first).toBeGreaterThan(0.01);
      tf.dispose([x, grad]);
    });

    it("trainable variables (pretraining) get the same gradients through residualBlock as through autodiff", () => {
      const variables = blockTensors(block).map((t) => tf.variable(t));
      const trainableBlock = rebuild(variables);
      const x = random([2, 6, width], 8) as tf.Tensor3D;
      const run = (fused: boolean) =>
        tf.variableGrads(() => tf.sum(tf.square((fused ? residualBlock : composedResidualBlock)(x, trainableBlock, heads, { mask }))) as tf.Scalar, variables);
      const [ours, reference] = [run(true), run(false)];
      expectForward(ours.value, reference.value);
      for (const v of variables) expectClose(ours.grads[v.name]!, reference.grads[v.name]!, 3e-6);
      tf.dispose([x, ours.value, reference.value, ...Object.values(ours.grads), ...Object.values(reference.grads), ...variables]);
    });

    it("weights not marked frozen get their gradients, and so do trainable variables among frozen weights", () => {
      const trainableBlock = { ...block, fc: { weightT: tf.variable(block.fc.weightT), bias: block.fc.bias } };
      expect(hasTrainableWeights(block)).toBe(false);
      expect(hasTrainableWeights(trainableBlock)).toBe(true);
      const x = random([2, 6, width], 4) as tf.Tensor3D;
      const weightGrad = tf.grad((w: tf.Tensor) => tf.sum(residualBlock(x, { ...block, proj: { ...block.proj, weightT: w as tf.Tensor2D } }, heads, { mask })))(block.proj.weightT);
      expect(tf.tidy(() => tf.max(tf.abs(weightGrad)).dataSync()[0]!)).toBeGreaterThan(1e-3);
      weightGrad.dispose();
      const { value, grads } = tf.variableGrads(() => tf.sum(residualBlock(x, trainableBlock, heads, { mask, frozen: true })) as tf.Scalar, [trainableBlock.fc.weightT]);
      const gradient = grads[trainableBlock.fc.weightT.name]!;
      expect(gradient.shape).toEqual([width, 4 * width]);
      expect(tf.tidy(() => tf.max(tf.abs(gradient)).dataSync()[0]!)).toBeGreaterThan(1e-3);
      tf.dispose([x, value, gradient, trainableBlock.fc.weightT]);
    });
  });
}
