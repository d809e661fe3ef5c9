import * as tf from "@tensorflow/tfjs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { initBackend } from "../backend/select.js";
import { Rng } from "../tensor/rng.js";
import { blockFromList as rebuild, differentiableResidualBlock, frozenResidualBlock, hasTrainableWeights, residualBlock, rowSelection, weightList as blockTensors } from "./block.js";
import { causalMask, composedResidualBlock, type RowSelection } from "./layers.js";
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

for (const backend of ["cpu", "wasm"] as const) {
  describe(`the frozen residual block's hand-written backward on ${backend}`, () => {
    let block: BlockWeights;
    let mask: tf.Tensor2D;
    beforeAll(async () => {
      await initBackend({ backend, log: () => {} });
      block = randomBlock(10);
      mask = causalMask(6);
    });
    afterAll(() => tf.dispose([...blockTensors(block), mask]));

    for (const masked of [false, true]) {
      it(`${masked ? "causal (text)" : "unmasked (vision)"}: same forward bit for bit, same input gradient as autodiff`, () => {
        expectSameAsAutodiff(masked ? mask : undefined, undefined);
      });
      it(`${masked ? "causal" : "unmasked"}, one selected row per sequence: same forward and input gradient as autodiff`, () => {
        const select = rowSelection(masked ? [5, 2, 4] : [0, 0, 0], 6, masked);
        expectSameAsAutodiff(undefined, select);
        tf.dispose([select.oneHot, ...(select.mask ? [select.mask] : [])]);
      });
    }

    /** The hand-written backward against tfjs's autodiff of the composed block, for a random upstream gradient. */
    function expectSameAsAutodiff(m: tf.Tensor2D | undefined, select: RowSelection | undefined): void {
      const before = tf.memory().numTensors;
      const x = random([3, 6, width], 1, 1.5, 0.2) as tf.Tensor3D;
      const weight = random([3, select ? 1 : 6, width], 2);
      const loss = (run: typeof composedResidualBlock) => (input: tf.Tensor) => tf.sum(tf.mul(run(input as tf.Tensor3D, block, heads, m, select), weight));
      const ours = tf.grad(loss(frozenResidualBlock))(x);
      const reference = tf.grad(loss(composedResidualBlock))(x);
      const forward = tf.tidy(() => maxAbsDiff(frozenResidualBlock(x, block, heads, m, select), composedResidualBlock(x, block, heads, m, select)));
      expect(forward).toBe(0);
      expect(ours.shape).toEqual([3, 6, width]);
      const scale = tf.tidy(() => tf.max(tf.abs(reference)).dataSync()[0]!);
      expect(scale).toBeGreaterThan(0.1); // a real gradient
      expect(maxAbsDiff(ours, reference)).toBeLessThan(2e-6 * Math.max(1, scale));
      tf.dispose([x, weight, ours, reference]);
      expect(tf.memory().numTensors).toBe(before);
    }

    for (const selected of [false, true]) {
      it(`with weight gradients${selected ? ", one selected row per sequence" : ""}: the input's and all 12 weights' gradients equal autodiff's`, () => {
        const before = tf.memory().numTensors;
        const select = selected ? rowSelection([5, 2, 4], 6, true) : undefined;
        const x = random([3, 6, width], 6, 1.2) as tf.Tensor3D;
        const upstream = random([3, selected ? 1 : 6, width], 7);
        const inputs = [x, ...blockTensors(block)];
        const loss = (run: typeof composedResidualBlock) => (...values: tf.Tensor[]) => {
          const [input, ...weights] = values;
          return tf.sum(tf.mul(run(input as tf.Tensor3D, rebuild(weights), heads, selected ? undefined : mask, select), upstream));
        };
        const ours = tf.grads(loss(differentiableResidualBlock))(inputs);
        const reference = tf.grads(loss(composedResidualBlock))(inputs);
        ours.forEach((grad, i) => {
          expect(grad.shape).toEqual(reference[i]!.shape);
          const scale = tf.tidy(() => tf.max(tf.abs(reference[i]!)).dataSync()[0]!);
          expect(scale).toBeGreaterThan(1e-3);
          expect(maxAbsDiff(grad, reference[i]!)).toBeLessThan(3e-6 * Math.max(1, scale));
        });
        tf.dispose([x, upstream, ...ours, ...reference, ...(select ? [select.oneHot, select.mask!] : [])]);
        expect(tf.memory().numTensors).toBe(before);
      });
    }

    it("trainable variables (pretraining) get the same gradients through residualBlock as through autodiff", () => {
      const variables = blockTensors(block).map((t) => tf.variable(t));
      const trainableBlock = rebuild(variables);
      const x = random([2, 6, width], 8) as tf.Tensor3D;
      const run = (fused: boolean) =>
        tf.variableGrads(() => tf.sum(tf.square((fused ? residualBlock(x, trainableBlock, heads, { mask }) : composedResidualBlock(x, trainableBlock, heads, mask)))) as tf.Scalar, variables);
      const [ours, reference] = [run(true), run(false)];
      expect(maxAbsDiff(ours.value, reference.value)).toBe(0);
      for (const v of variables) {
        const scale = tf.tidy(() => tf.max(tf.abs(reference.grads[v.name]!)).dataSync()[0]!);
        expect(maxAbsDiff(ours.grads[v.name]!, reference.grads[v.name]!)).toBeLessThan(3e-6 * Math.max(1, scale));
      }
      tf.dispose([x, ours.value, reference.value, ...Object.values(ours.grads), ...Object.values(reference.grads), ...variables]);
    });

    it("a selected row equals that row of the full block's output (causal: the row's own mask row)", () => {
      const x = random([3, 6, width], 5) as tf.Tensor3D;
      const rows = [5, 2, 0];
      const select = rowSelection(rows, 6, true);
      const full = composedResidualBlock(x, block, heads, mask);
      const picked = frozenResidualBlock(x, block, heads, undefined, select);
      expect(picked.shape).toEqual([3, 1, width]);
      rows.forEach((row, s) => {
        const expected = tf.slice(full, [s, row, 0], [1, 1, width]);
        const actual = tf.slice(picked, [s, 0, 0], [1, 1, width]);
        expect(maxAbsDiff(actual, expected)).toBeLessThan(1e-5);
        tf.dispose([expected, actual]);
      });
      tf.dispose([x, full, picked, select.oneHot, select.mask!]);
    });

    it("a causal mask stops gradients flowing to earlier tokens from later outputs", () => {
      const x = random([1, 6, width], 3) as tf.Tensor3D;
      // Only the first token's output enters the loss: tokens 1..5 cannot influence it under the causal mask.
      const grad = tf.grad((input: tf.Tensor) => tf.sum(tf.slice(frozenResidualBlock(input as tf.Tensor3D, block, heads, mask), [0, 0, 0], [1, 1, width])))(x);
      const later = tf.tidy(() => tf.max(tf.abs(tf.slice(grad, [0, 1, 0], [1, 5, width]))).dataSync()[0]!);
      const first = tf.tidy(() => tf.max(tf.abs(tf.slice(grad, [0, 0, 0], [1, 1, width]))).dataSync()[0]!);
      expect(later).toBe(0);
      expect(first).toBeGreaterThan(0.01);
      tf.dispose([x, grad]);
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
