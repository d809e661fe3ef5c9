// The Optimizer wrapper: memory stays flat, snapshots resume exactly, per-epoch learning rates, coded errors.
import * as tf from "@tensorflow/tfjs";
import { beforeAll, describe, expect, it } from "vitest";
import { isVlpromptError } from "../../errors.js";
import { dasslCosine, perStep } from "../schedule.js";
import {
  adamw,
  chain,
  clipByGlobalNorm,
  addUpdates,
  createOptimizer,
  mapGradients,
  mapTensors,
  sgd,
  type GradientTransformation,
  type Optimizer,
  type NamedTensors,
} from "./index.js";

function expectCode(fn: () => unknown, code: string): void {
  let caught: unknown;
  try {
    fn();
  } catch (error) {
    caught = error;
  }
  expect(isVlpromptError(caught, code), `expected ${code}, got ${String(caught)}`).toBe(true);
}

/** A deterministic gradient for step i (no randomness needed). */
function gradientsAt(i: number): Record<string, tf.Tensor> {
  return {
    ctx: tf.tensor2d([[Math.sin(i), Math.cos(i)], [0.5 - i * 0.1, 0.25]]),
    bias: tf.tensor1d([i % 3 === 0 ? 1 : -0.5]),
  };
}

function makeParams(): Record<string, tf.Variable> {
  return { ctx: tf.variable(tf.tensor2d([[1, -2], [0.5, 3]])), bias: tf.variable(tf.tensor1d([0.1])) };
}

function stepWith(optimizer: Optimizer, i: number): void {
  const grads = gradientsAt(i);
  optimizer.step(grads);
  tf.dispose(Object.values(grads));
}

const regulated = (): GradientTransformation =>
  chain(
    mapGradients((grads: NamedTensors) => ({ ctx: tf.mul(grads.ctx!, 0.5), bias: tf.neg(grads.bias!) }), "halve"),
    clipByGlobalNorm(1),
    sgd({ lr: 0.01, momentum: 0.9, weightDecay: 5e-4, nesterov: true }),
  );

describe("Optimizer", () => {
  beforeAll(async () => {
    expect(await tf.setBackend("cpu")).toBe(true);
  });

  it.each([
    ["sgd with regulator and clipping", regulated],
    ["adamw", () => adamw({ lr: 1e-3 })],
  ])("does not grow the tensor count over 20 steps (%s) and frees its state on dispose", (_name, make) => {
    const params = makeParams();
    const before = tf.memory().numTensors;
    const optimizer = createOptimizer(make(), params);
    stepWith(optimizer, 0);
    const afterFirst = tf.memory().numTensors;
    for (let i = 1; i < 20; i++) stepWith(optimizer, i);
    expect(tf.memory().numTensors).toBe(afterFirst);
    optimizer.dispose();
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose(Object.values(params));
  });

  it.each([
    ["sgd with regulator and clipping", regulated],
    ["adamw", () => adamw({ lr: 1e-2 })],
  ])("resumes from state()/load() exactly like an uninterrupted run (%s)", (_name, make) => {
    const straight = makeParams();
    const first = createOptimizer(make(), straight);
    for (let i = 0; i < 3; i++) stepWith(first, i);
    first.setEpoch(1);
    const snapshot = first.state();
    const saved = { ctx: straight.ctx!.dataSync().slice(), bias: straight.bias!.dataSync().slice() };
    for (let i = 3; i < 6; i++) stepWith(first, i);

    const resumed = { ctx: tf.variable(tf.tensor2d(saved.ctx, [2, 2])), bias: tf.variable(tf.tensor1d(saved.bias)) };
    const second = createOptimizer(make(), resumed);
    second.load(snapshot);
    expect(second.stepCount).toBe(3);
    expect(second.epoch).toBe(1);
    for (let i = 3; i < 6; i++) stepWith(second, i);
    expect(Array.from(resumed.ctx.dataSync())).toEqual(Array.from(straight.ctx!.dataSync()));
    expect(Array.from(resumed.bias.dataSync())).toEqual(Array.from(straight.bias!.dataSync()));
    expect(second.state()).toEqual(first.state());
    first.dispose();
    second.dispose();
    tf.dispose([...Object.values(straight), ...Object.values(resumed)]);
  });

  it("uses the epoch's learning rate from a per-epoch schedule (Dassl: set once per epoch)", () => {
    const p = tf.variable(tf.tensor1d([1]));
    const optimizer = createOptimizer(sgd({ lr: dasslCosine({ lr: 0.002, maxEpoch: 5 }) }), { p });
    const g = tf.tensor1d([1]);
    expect(optimizer.learningRate()).toBe(1e-5);
    optimizer.step({ p: g }); // epoch 0: p = 1 - 1e-5
    optimizer.step({ p: g }); // still epoch 0: p = 1 - 2e-5
    expect(p.dataSync()[0]).toBeCloseTo(0.99998, 7);
    optimizer.setEpoch(1);
    expect(optimizer.learningRate()).toBe(0.002);
    optimizer.step({ p: g }); // epoch 1: p = 0.99998 - 0.002 = 0.99798
    expect(p.dataSync()[0]).toBeCloseTo(0.99798, 6);
    optimizer.dispose();
    tf.dispose([p, g]);
  });

  it("reads a per-step schedule at the update count", () => {
    const p = tf.variable(tf.tensor1d([0]));
    // lr = 0.1 * (step + 1): steps 0, 1, 2 move p by -0.1, -0.2, -0.3 with g = 1 -> p = -0.6
    const optimizer = createOptimizer(sgd({ lr: perStep((step) => 0.1 * (step + 1)) }), { p });
    const g = tf.tensor1d([1]);
    for (let i = 0; i < 3; i++) optimizer.step({ p: g });
    expect(p.dataSync()[0]).toBeCloseTo(-0.6, 6);
    optimizer.dispose();
    tf.dispose([p, g]);
  });

  it("rejects mismatched gradients with coded errors and leaves the parameters alone", () => {
    const params = makeParams();
    const optimizer = createOptimizer(sgd({ lr: 0.1 }), params);
    const ctx = tf.zeros([2, 2]);
    const wrongShape = tf.zeros([3]);
    const bias = tf.zeros([1]);
    expectCode(() => optimizer.step({ ctx }), "VLP_OPTIM_GRADIENT_MISMATCH");
    expectCode(() => optimizer.step({ ctx, bias: wrongShape }), "VLP_OPTIM_GRADIENT_MISMATCH");
    expectCode(() => optimizer.step({ ctx, bias, extra: ctx }), "VLP_OPTIM_GRADIENT_MISMATCH");
    expect(Array.from(params.bias!.dataSync())).toEqual([0.1].map(Math.fround));
    expect(optimizer.stepCount).toBe(0);
    optimizer.dispose();
    expectCode(() => optimizer.step({ ctx, bias: ctx }), "VLP_OPTIM_DISPOSED");
    tf.dispose([ctx, wrongShape, bias, ...Object.values(params)]);
  });

  it("rejects a bad schedule value at step time without touching parameters or state", () => {
    const p = tf.variable(tf.tensor1d([1]));
    const optimizer = createOptimizer(sgd({ lr: perStep(() => Number.NaN), momentum: 0.9 }), { p });
    const before = tf.memory().numTensors;
    const g = tf.tensor1d([1]);
    expectCode(() => optimizer.step({ p: g }), "VLP_OPTIM_BAD_LEARNING_RATE");
    expect(p.dataSync()[0]).toBe(1);
    expect(optimizer.stepCount).toBe(0);
    expect(tf.memory().numTensors).toBe(before + 1); // only g
    optimizer.dispose();
    tf.dispose([p, g]);
  });

  it("rejects bad hyperparameters, parameters, links and snapshots with coded errors", () => {
    expectCode(() => sgd({ lr: -1 }), "VLP_OPTIM_BAD_HYPERPARAMETER");
    expectCode(() => sgd({ lr: 0.1, momentum: 0.9, dampening: 0.1, nesterov: true }), "VLP_OPTIM_BAD_HYPERPARAMETER");
    expectCode(() => sgd({ lr: 0.1, nesterov: true }), "VLP_OPTIM_BAD_HYPERPARAMETER");
    expectCode(() => adamw({ lr: 0.1, beta2: 1 }), "VLP_OPTIM_BAD_HYPERPARAMETER");
    expectCode(() => clipByGlobalNorm(0), "VLP_OPTIM_BAD_HYPERPARAMETER");
    expectCode(() => createOptimizer(sgd({ lr: 0.1 }), {}), "VLP_OPTIM_BAD_PARAMETERS");

    const p = tf.variable(tf.tensor1d([1, 2]));
    const g = tf.tensor1d([1, 1]);
    const badLink = createOptimizer(chain(mapGradients(() => ({ p: tf.zeros([3]) })), sgd({ lr: 1 })), { p });
    expectCode(() => badLink.step({ p: g }), "VLP_OPTIM_BAD_LINK_OUTPUT");
    badLink.dispose();

    const optimizer = createOptimizer(adamw({ lr: 0.1 }), { p });
    const good = optimizer.state();
    expectCode(() => optimizer.load({ ...good, tensors: {} }), "VLP_OPTIM_BAD_SNAPSHOT");
    const key = Object.keys(good.tensors)[0]!;
    expectCode(() => optimizer.load({ ...good, tensors: { ...good.tensors, [key]: new Float32Array(5) } }), "VLP_OPTIM_BAD_SNAPSHOT");
    expectCode(() => optimizer.load({ ...good, step: -1 }), "VLP_OPTIM_BAD_SNAPSHOT");
    expect(optimizer.state()).toEqual(good);
    optimizer.dispose();
    tf.dispose([p, g]);
  });

  it("runs functionally (init/update/addUpdates) without writing into variables, e.g. for inner loops", () => {
    const p = tf.variable(tf.tensor1d([1, -2]));
    const transform = sgd({ lr: 0.1, momentum: 0.9 });
    const moved = tf.tidy(() => {
      const g = { p: tf.tensor1d([0.5, 0.25]) };
      const first = transform.update(g, transform.init({ p }), { p }, { step: 0, epoch: 0 });
      const after1 = addUpdates({ p }, first.updates); // [0.95, -2.025]
      const second = transform.update(g, first.state, after1, { step: 1, epoch: 0 });
      // b = 0.9 [0.5, 0.25] + [0.5, 0.25] = [0.95, 0.475]; p = [0.95 - 0.095, -2.025 - 0.0475] = [0.855, -2.0725]
      return addUpdates(after1, second.updates).p!;
    });
    expect(Array.from(p.dataSync())).toEqual([1, -2]);
    const values = moved.dataSync();
    expect(values[0]).toBeCloseTo(0.855, 6);
    expect(values[1]).toBeCloseTo(-2.0725, 6);
    tf.dispose([p, moved]);
  });

  it("is differentiable through an update (meta-gradients through an inner step)", () => {
    const transform = chain(clipByGlobalNorm(100), sgd({ lr: 0.1, momentum: 0.9, weightDecay: 0.5 }));
    const gradient = tf.tidy(() =>
      tf.grad((p: tf.Tensor) => {
        // inner gradient g = 2p; d = g + 0.5 p = 2.5 p; first step b = d; p' = p - 0.1 * 2.5 p = 0.75 p
        const { updates } = transform.update({ p: tf.mul(p, 2) }, transform.init({ p }), { p }, { step: 0, epoch: 0 });
        return tf.sum(addUpdates({ p }, updates).p!);
      })(tf.tensor1d([1, -2])),
    );
    // d sum(0.75 p) / dp = 0.75 (the clip coefficient is 1: ||2p|| = 4.47 < 100)
    const values = gradient.dataSync();
    expect(values[0]).toBeCloseTo(0.75, 6);
    expect(values[1]).toBeCloseTo(0.75, 6);
    gradient.dispose();
  });

  it("accepts a user-defined stateful link (the docs/optimizers.md example) and saves its state", () => {
    const emaOfGradients = (decay: number): GradientTransformation => ({
      name: "emaOfGradients",
      init: (params) => {
        const state: Record<string, tf.Tensor> = {};
        for (const name of Object.keys(params)) state[`ema/${name}`] = tf.zerosLike(params[name]!);
        return state;
      },
      update(grads, state) {
        const next: Record<string, tf.Tensor> = {};
        const updates = mapTensors(grads, (g, name) => {
          const ema = tf.add(tf.mul(state[`ema/${name}`]!, decay), tf.mul(g, 1 - decay));
          next[`ema/${name}`] = ema;
          return ema;
        });
        return { updates, state: next };
      },
    });
    const p = tf.variable(tf.tensor1d([0]));
    const optimizer = createOptimizer(chain(emaOfGradients(0.5), sgd({ lr: 0.1 })), { p });
    const g = tf.tensor1d([1]);
    // ema 0.5 then 0.75; p = -0.05 then -0.05 - 0.075 = -0.125
    optimizer.step({ p: g });
    optimizer.step({ p: g });
    expect(p.dataSync()[0]).toBeCloseTo(-0.125, 7);
    expect(Object.keys(optimizer.state().tensors)).toEqual(["0/ema/p"]);
    expect(Array.from(optimizer.state().tensors["0/ema/p"]!)).toEqual([0.75]);
    optimizer.dispose();
    tf.dispose([p, g]);
  });
});

