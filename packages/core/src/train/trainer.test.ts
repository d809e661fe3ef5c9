import "reflect-metadata";
import * as tf from "@tensorflow/tfjs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { initBackend } from "../backend/select.js";
import type { ClassificationDataset } from "../data/dataset.js";
import { isVlpromptError } from "../errors.js";
import type { Backbone, LearnerState, PromptLearner } from "../method/contract.js";
import type { MethodDefinition } from "../method/define.js";
import { Rng } from "../tensor/rng.js";
import { resolveRecipe, type TrainRecipe } from "./recipes.js";
import { contextMethod, loadTinyBackbone, syntheticDataset, visionMethod } from "./test-fixtures.js";
import { defaultCacheViews, train, type TrainerOptions, type TrainingReport } from "./trainer.js";
import type { TrainerHooks } from "./hooks.js";

let backbone: Backbone;
let dataset: ClassificationDataset;

beforeAll(async () => {
  await initBackend({ backend: "wasm", log: () => {} });
  backbone = loadTinyBackbone();
  dataset = syntheticDataset({ name: "syn", classes: 5, perClass: 6, seed: 1 });
});
afterAll(() => backbone.model.dispose());

const recipe = (fields: Partial<TrainRecipe> = {}) => resolveRecipe({ overrides: { epochs: 3, batchSize: 8, lr: 0.01, ...fields } });

function learnerOf(method: MethodDefinition, options: object = {}, seed = 1): PromptLearner {
  return method.create(method.parseOptions(options), { backbone, classNames: dataset.classNames, rng: new Rng(seed).fork("init") });
}

async function trainOnce(
  options: Partial<TrainerOptions> & { method?: MethodDefinition; methodOptions?: object } = {},
): Promise<{ report: TrainingReport; state: LearnerState }> {
  const learner = learnerOf(options.method ?? contextMethod, options.methodOptions, options.seed ?? 1);
  try {
    const report = await train({ backbone, learner, dataset, recipe: recipe(), seed: 1, ...options });
    return { report, state: learner.state() };
  } finally {
    learner.dispose();
  }
}

/** Largest |a - b| of a parameter relative to the largest |b| of that parameter (float32 rounding ~1e-7 per op). */
function maxRelativeDifference(a: LearnerState, b: LearnerState): number {
  let worst = 0;
  for (const name of Object.keys(a)) {
    const scale = b[name]!.data.reduce((max, value) => Math.max(max, Math.abs(value)), 0);
    a[name]!.data.forEach((value, i) => (worst = Math.max(worst, Math.abs(value - b[name]!.data[i]!) / scale)));
  }
  return worst;
}

async function errorOf(promise: Promise<unknown>): Promise<{ code?: string; message: string }> {
  try {
    await promise;
  } catch (error) {
    return { code: isVlpromptError(error) ? error.code : undefined, message: String((error as Error).message) };
  }
  throw new Error("expected a failure");
}

describe("Trainer", () => {
  it("gives identical learned parameters and losses for the same seed on the same backend", async () => {
    const first = await trainOnce({ recipe: recipe({ augment: true }) });
    const second = await trainOnce({ recipe: recipe({ augment: true }) });
    expect(first.report.curve).toEqual(second.report.curve);
    expect(first.state.textContext!.data).toEqual(second.state.textContext!.data);
    expect(first.report.curve).toHaveLength(3);
    expect(first.report.steps).toBe(3 * 3); // 30 items, batch 8: drop_last leaves 3 steps per epoch
    const otherSeed = await trainOnce({ recipe: recipe({ augment: true }), seed: 2 });
    expect(otherSeed.state.textContext!.data).not.toEqual(first.state.textContext!.data);
  });

  it("gives the same loss with and without the feature cache when augmentation is off", async () => {
    const cached = await trainOnce({ recipe: recipe({ augment: false }) });
    const encoded = await trainOnce({ recipe: recipe({ augment: false }), featureCache: "off" });
    expect(cached.report.featureCache).toEqual({ used: true, views: 1 });
    expect(encoded.report.featureCache.used).toBe(false);
    cached.report.curve.forEach((point, i) => expect(point.loss).toBeCloseTo(encoded.report.curve[i]!.loss, 5));
    const difference = maxRelativeDifference(cached.state, encoded.state);
    expect(difference).toBeLessThan(1e-4);
  });

  it("caches one view per augmented copy and never caches for learners that prompt the image encoder", async () => {
    const augmented = await trainOnce({ recipe: recipe({ augment: true, epochs: 3 }), cacheViews: 2 });
    expect(augmented.report.featureCache).toEqual({ used: true, views: 2 });
    expect([1, 10, 11, 50, 200].map(defaultCacheViews)).toEqual([1, 1, 2, 5, 8]);
    const vision = await trainOnce({ method: visionMethod, recipe: recipe({ augment: true, epochs: 2 }) });
    expect(vision.report.featureCache.used).toBe(false);
    expect(vision.report.steps).toBe(6);
  });

  it("stops a NaN loss with a coded error naming the step and the parameter group", async () => {
    const failure = await errorOf(trainOnce({ methodOptions: { nanFromStep: 4 } }));
    expect(failure.code).toBe("VLP_TRAIN_NON_FINITE_LOSS");
    expect(failure.message).toContain("epoch 2, step 5 (batch 2 of 3)");
    expect(failure.message).toContain("non-finite gradients: textContext");
  });

  it("keeps the tensor count flat across epochs (cached, encoded and vision-prompted)", async () => {
    for (const options of [{}, { featureCache: "off" as const }, { method: visionMethod }]) {
      const counts: number[] = [];
      const hooks: TrainerHooks[] = [{ onEpochEnd: () => void counts.push(tf.memory().numTensors) }];
      await trainOnce({ ...options, hooks, recipe: recipe({ epochs: 4, augment: true }), cacheViews: 1 });
      expect(counts[3]).toBe(counts[1]);
    }
    const before = tf.memory().numTensors;
    await trainOnce({ recipe: recipe({ epochs: 2 }) });
    expect(tf.memory().numTensors).toBe(before);
  });

  it("calls hooks in order around backward and the step; afterBackward may replace the gradients", async () => {
    const events: string[] = [];
    const record: TrainerHooks = {
      beforeBackward: (c) => void events.push(`beforeBackward ${c.epoch}.${c.batch}`),
      afterBackward: (grads, c) => void events.push(`afterBackward ${Object.keys(grads)} ${Number.isFinite(c.loss)}`),
      beforeStep: () => void events.push("beforeStep"),
      afterStep: (c) => void events.push(`afterStep ${c.step}`),
      onEpochEnd: (m) => void events.push(`epochEnd ${m.epoch} ${m.steps} ${m.lr}`),
    };
    const zeroGradients: TrainerHooks = { afterBackward: (grads) => ({ textContext: tf.zerosLike(grads.textContext!) }) };
    const initial = learnerOf(contextMethod).state();
    const { state } = await trainOnce({ hooks: [record, zeroGradients], recipe: recipe({ epochs: 1, weightDecay: 0 }) });
    expect(events.slice(0, 4)).toEqual(["beforeBackward 0.0", "afterBackward textContext true", "beforeStep", "afterStep 0"]);
    expect(events.at(-1)).toBe("epochEnd 0 3 0.00001");
    expect(state.textContext!.data).toEqual(initial.textContext!.data); // zero gradients, no decay: nothing moves
    const bad: TrainerHooks = { name: "bad", afterBackward: () => ({ other: tf.zeros([1]) }) };
    expect((await errorOf(trainOnce({ hooks: [bad] }))).code).toBe("VLP_TRAIN_BAD_HOOK");
  });

  it("skips training for a learner without parameters and stops at an abort", async () => {
    const empty: PromptLearner = { params: {}, text: () => learnerOf(contextMethod).text(), state: () => ({}), load: () => {}, dispose: () => {} };
    const report = await train({ backbone, learner: empty, dataset, recipe: recipe(), seed: 1 });
    expect(report).toMatchObject({ epochs: 0, steps: 0, curve: [] });
    const controller = new AbortController();
    const hooks: TrainerHooks[] = [{ afterStep: () => controller.abort() }];
    const failure = await errorOf(trainOnce({ hooks, signal: controller.signal }));
    expect(failure.code).toBe("VLP_TRAIN_ABORTED");
  });
});
