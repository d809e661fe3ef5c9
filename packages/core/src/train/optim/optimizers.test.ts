// Hand-derived numbers for sgd / adamw / clipByGlobalNorm / chain order, on the cpu and wasm backends.
// Every expected value below is worked out in the comments (float64 arithmetic); the code runs in float32,
// so comparisons allow 1e-6 absolute error on values of order 1.
import * as tf from "@tensorflow/tfjs";
import "@tensorflow/tfjs-backend-wasm";
import { beforeAll, describe, expect, it } from "vitest";
import { adamw, chain, clipByGlobalNorm, createOptimizer, mapGradients, scale, sgd } from "./index.js";
import type { GradientTransformation, NamedTensors } from "./index.js";

function expectClose(actual: ArrayLike<number>, expected: number[], tolerance = 1e-6): void {
  expect(actual.length).toBe(expected.length);
  expected.forEach((value, i) => expect(Math.abs(actual[i]! - value)).toBeLessThanOrEqual(tolerance));
}

/** Run `steps` updates of `transform` on p = [1, -2] with the gradient `gradients[i]` at step i; return p. */
function runSteps(transform: GradientTransformation, gradients: number[][]): Float32Array {
  const p = tf.variable(tf.tensor1d([1, -2]));
  const optimizer = createOptimizer(transform, { p });
  for (const values of gradients) {
    const g = tf.tensor1d(values);
    optimizer.step({ p: g });
    g.dispose();
  }
  const result = Float32Array.from(p.dataSync());
  optimizer.dispose();
  p.dispose();
  return result;
}

const fixedGradient = [0.5, 0.25];

describe.each(["cpu", "wasm"])("optimizers on %s", (backend) => {
  beforeAll(async () => {
    expect(await tf.setBackend(backend)).toBe(true);
  });

  it("sgd, momentum 0.9, weight decay 5e-4, lr 0.1: 3 steps as torch.optim.SGD", () => {
    // p0 = [1, -2], g = [0.5, 0.25] every step. d = g + 5e-4 * p; b = d (step 1), b = 0.9 b + d; p -= 0.1 b.
    // step 1: d = [0.5 + 0.0005, 0.25 - 0.001] = [0.5005, 0.249] = b;  p = [1 - 0.05005, -2 - 0.0249] = [0.94995, -2.0249]
    // step 2: d = [0.5 + 0.000474975, 0.25 - 0.00101245] = [0.500474975, 0.24898755]
    //         b = 0.9 * [0.5005, 0.249] + d = [0.45045 + 0.500474975, 0.2241 + 0.24898755] = [0.950924975, 0.47308755]
    //         p = [0.94995 - 0.0950924975, -2.0249 - 0.047308755] = [0.8548575025, -2.072208755]
    // step 3: d = [0.5 + 0.00042742875125, 0.25 - 0.0010361043775] = [0.50042742875125, 0.2489638956225]
    //         b = [0.8558324775 + 0.50042742875125, 0.425778795 + 0.2489638956225] = [1.35625990625125, 0.6747426906225]
    //         p = [0.8548575025 - 0.135625990625125, -2.072208755 - 0.06747426906225] = [0.719231511874875, -2.13968302406225]
    const transform = sgd({ lr: 0.1, momentum: 0.9, weightDecay: 5e-4 });
    expectClose(runSteps(transform, [fixedGradient]), [0.94995, -2.0249]);
    expectClose(runSteps(transform, [fixedGradient, fixedGradient, fixedGradient]), [0.719231511874875, -2.13968302406225]);
  });

  it("sgd with Nesterov momentum", () => {
    // momentum 0.9, lr 0.1, no decay. step 1: b = g = [0.5, 0.25]; d = g + 0.9 b = [0.95, 0.475];
    //   p = [1 - 0.095, -2 - 0.0475] = [0.905, -2.0475]
    // step 2: b = 0.9 [0.5, 0.25] + g = [0.95, 0.475]; d = g + 0.9 b = [0.5 + 0.855, 0.25 + 0.4275] = [1.355, 0.6775];
    //   p = [0.905 - 0.1355, -2.0475 - 0.06775] = [0.7695, -2.11525]
    const transform = sgd({ lr: 0.1, momentum: 0.9, nesterov: true });
    expectClose(runSteps(transform, [fixedGradient, fixedGradient]), [0.7695, -2.11525]);
  });

  it("sgd with dampening: the first buffer is the raw gradient", () => {
    // momentum 0.9, dampening 0.5, lr 0.1. step 1: b = g = [0.5, 0.25] (torch clones, no dampening); p = [0.95, -2.025]
    // step 2: b = 0.9 [0.5, 0.25] + 0.5 g = [0.45 + 0.25, 0.225 + 0.125] = [0.7, 0.35]; p = [0.95 - 0.07, -2.025 - 0.035] = [0.88, -2.06]
    // step 3: b = 0.9 [0.7, 0.35] + [0.25, 0.125] = [0.88, 0.44]; p = [0.88 - 0.088, -2.06 - 0.044] = [0.792, -2.104]
    // (a zero-initialised buffer would give b = 0.5 g = [0.25, 0.125] at step 1 and p = [0.975, -2.0125].)
    const transform = sgd({ lr: 0.1, momentum: 0.9, dampening: 0.5 });
    expectClose(runSteps(transform, [fixedGradient]), [0.95, -2.025]);
    expectClose(runSteps(transform, [fixedGradient, fixedGradient, fixedGradient]), [0.792, -2.104]);
  });

  it("plain sgd without momentum is p - lr * g", () => {
    // p = [1 - 0.1 * 0.5, -2 - 0.1 * 0.25] = [0.95, -2.025], twice: [0.9, -2.05]
    expectClose(runSteps(sgd({ lr: 0.1 }), [fixedGradient, fixedGradient]), [0.9, -2.05]);
  });

  it("adamw, 2 steps as torch.optim.AdamW (lr 0.1, betas 0.9/0.999, eps 1e-8, wd 0.01)", () => {
    // p0 = [1, -2]; g1 = [0.5, -0.25]; g2 = [0.1, 0.2].
    // step 1 (t = 1): decay p *= 1 - 0.1 * 0.01 = 0.999 -> [0.999, -1.998]
    //   m = 0.1 g1 = [0.05, -0.025]; v = 0.001 g1^2 = [0.00025, 0.0000625]
    //   bias corrections 1 - 0.9 = 0.1 and 1 - 0.999 = 0.001: m/0.1 = [0.5, -0.25]; sqrt(v)/sqrt(0.001) = [0.5, 0.25]
    //   denom = [0.50000001, 0.25000001]; step = 0.1 * [0.5/0.50000001, -0.25/0.25000001] = [0.099999998, -0.099999996]
    //   p = [0.999 - 0.099999998, -1.998 + 0.099999996] = [0.899000002, -1.898000004]
    // step 2 (t = 2): decay -> [0.898101001998, -1.896102003996]
    //   m = 0.9 [0.05, -0.025] + 0.1 [0.1, 0.2] = [0.055, -0.0025]
    //   v = 0.999 [0.00025, 0.0000625] + 0.001 [0.01, 0.04] = [0.00025975, 0.0001024375]
    //   1 - 0.9^2 = 0.19; 1 - 0.999^2 = 0.001999; m/0.19 = [0.28947368421, -0.01315789474]
    //   sqrt(v / 0.001999) = [0.36047187128, 0.22637219835]; + eps = [0.36047188128, 0.22637220835]
    //   step = 0.1 * [0.28947368421 / 0.36047188128, -0.01315789474 / 0.22637220835] = [0.08030409562, -0.00581250447]
    //   p = [0.898101001998 - 0.08030409562, -1.896102003996 + 0.00581250447] = [0.81779690638, -1.89028949952]
    const transform = adamw({ lr: 0.1, weightDecay: 0.01 });
    expectClose(runSteps(transform, [[0.5, -0.25]]), [0.899000002, -1.898000004]);
    expectClose(runSteps(transform, [[0.5, -0.25], [0.1, 0.2]]), [0.81779690638, -1.89028949952]);
  });

  it("clipByGlobalNorm scales two tensors by maxNorm / (total + 1e-6) when that is below 1", () => {
    const grads = { a: tf.tensor1d([3, 4]), b: tf.tensor2d([[12]]) };
    // ||a|| = 5, ||b|| = 12, total = sqrt(25 + 144) = 13. maxNorm 6.5: coef = 6.5 / 13.000001 = 0.4999999615385
    // a -> [1.4999998846, 1.9999998462], b -> [[5.9999995385]]
    const clipped = tf.tidy(() => clipByGlobalNorm(6.5).update(grads, {}, grads, { step: 0, epoch: 0 }).updates);
    expectClose(clipped.a!.dataSync(), [1.4999998846, 1.9999998462]);
    expectClose(clipped.b!.dataSync(), [5.9999995385], 2e-6);
    expect(clipped.b!.shape).toEqual([1, 1]);
    // maxNorm 20: coef = 20 / 13.000001 > 1, clamped to 1: unchanged, exactly.
    const kept = tf.tidy(() => clipByGlobalNorm(20).update(grads, {}, grads, { step: 0, epoch: 0 }).updates);
    expect(Array.from(kept.a!.dataSync())).toEqual([3, 4]);
    expect(Array.from(kept.b!.dataSync())).toEqual([12]);
    tf.dispose([grads.a, grads.b, clipped.a!, clipped.b!, kept.a!, kept.b!]);
  });

  it("chain applies links in order", () => {
    const g = { p: tf.tensor1d([3, 4]) };
    const run = (transform: GradientTransformation): number[] =>
      tf.tidy(() => Array.from(transform.update(g, transform.init(g), g, { step: 0, epoch: 0 }).updates.p!.dataSync()));
    // scale then clip: [6, 8] (norm 10) -> * 1 / 10.000001 -> [0.59999994, 0.79999992]
    expectClose(run(chain(scale(2), clipByGlobalNorm(1))), [0.59999994, 0.79999992]);
    // clip then scale: [3, 4] * 1 / 5.000001 = [0.59999988, 0.79999984] -> * 2 = [1.19999976, 1.59999968]
    expectClose(run(chain(clipByGlobalNorm(1), scale(2))), [1.19999976, 1.59999968]);
    // a user link: (g + 1) * 3 = [12, 15] versus 3 g + 1 = [10, 13]
    const addOne = mapGradients((grads: NamedTensors) => ({ p: tf.add(grads.p!, 1) }));
    expect(run(chain(addOne, scale(3)))).toEqual([12, 15]);
    expect(run(chain(scale(3), addOne))).toEqual([10, 13]);
    g.p.dispose();
  });
});
