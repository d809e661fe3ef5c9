import { fileURLToPath } from "node:url";
import * as tf from "@tensorflow/tfjs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { forward, initBackend, MethodRegistry, Rng, trainingLoss, loadPlugin } from "@vlprompt/core";
import { describeMethodConformance, loadGoldenCase, type GoldenCase } from "@vlprompt/core/testing";
import { kgcoop, type KgcoopLearner } from "./kgcoop.js";

// The same suite every built-in method passes.
describeMethodConformance(kgcoop);

describe("KgCoOp's knowledge-guided loss", () => {
  let c: GoldenCase;
  beforeAll(async () => {
    await initBackend({ backend: "cpu", log: () => {} });
    c = await loadGoldenCase("coop"); // the tiny CLIP and its stub tokenizer
  });
  afterAll(() => c.dispose());

  const extraAndTotal = (learner: KgcoopLearner) =>
    tf.tidy(() => {
      const result = forward(c.backbone, learner, { images: c.images });
      const extra = learner.extraLoss({ ...result, labels: c.labels }).dataSync()[0]!;
      const crossEntropy = tf.losses.softmaxCrossEntropy(tf.oneHot(c.labels, c.classNames.length), result.logits).dataSync()[0]!;
      const total = trainingLoss(c.backbone, learner, { images: c.images }, c.labels).dataSync()[0]!;
      return { extra, crossEntropy, total };
    });

  it("is zero while the learned context is the hand-crafted prompt's words, and positive once it moves", () => {
    // contextInit "a photo of a" + template "a photo of a {}.": the learned prompt starts as the hand-crafted one.
    const learner = kgcoop.create(kgcoop.parseOptions(), { backbone: c.backbone, classNames: c.classNames, rng: new Rng(0) }) as KgcoopLearner;
    expect(Math.abs(extraAndTotal(learner).extra)).toBeLessThan(1e-5);
    const [n, width] = learner.params.textContext.shape as [number, number];
    const noise = tf.tensor2d(new Rng(1).normalArray(n * width, 0.5), [n, width]);
    tf.tidy(() => learner.params.textContext.assign(tf.add(learner.params.textContext, noise)));
    noise.dispose();
    const moved = extraAndTotal(learner);
    expect(moved.extra).toBeGreaterThan(1e-3);
    // The trainer's objective is cross-entropy plus this term.
    expect(moved.total).toBeCloseTo(moved.crossEntropy + moved.extra, 5);
    learner.dispose();
  });

  it("scales with its weight and vanishes at weight 0", () => {
    const make = (weight: number) =>
      kgcoop.create(kgcoop.parseOptions({ weight, contextInit: null }), { backbone: c.backbone, classNames: c.classNames, rng: new Rng(4) }) as KgcoopLearner;
    const [full, half, none] = [make(8), make(4), make(0)];
    const [a, b, z] = [full, half, none].map((l) => extraAndTotal(l).extra);
    expect(a).toBeGreaterThan(0);
    expect(b).toBeCloseTo(a / 2, 6);
    expect(z).toBe(0);
    [full, half, none].forEach((l) => l.dispose());
  });

  it("rejects a template without {} and registers in one line, in code or as a plugin module", async () => {
    expect(() => kgcoop.parseOptions({ template: "a photo" })).toThrow(/template/);
    expect(new MethodRegistry().register(kgcoop).get("kgcoop")).toBe(kgcoop);
    const registry = new MethodRegistry();
    const names = await loadPlugin("./kgcoop.ts", registry, fileURLToPath(new URL(".", import.meta.url)));
    expect(names).toEqual(["kgcoop"]);
  });
});
