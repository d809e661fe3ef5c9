import "reflect-metadata";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { initBackend } from "../backend/select.js";
import type { ClassificationDataset } from "../data/dataset.js";
import { isVlpromptError } from "../errors.js";
import type { Backbone } from "../method/contract.js";
import { Rng } from "../tensor/rng.js";
import { readCheckpoint } from "./checkpoint.js";
import { resolveRecipe } from "./recipes.js";
import { contextMethod, loadTinyBackbone, syntheticDataset } from "./test-fixtures.js";
import { train, type TrainerOptions } from "./trainer.js";

let backbone: Backbone;
let dataset: ClassificationDataset;
let dir: string;

beforeAll(async () => {
  await initBackend({ backend: "wasm", log: () => {} });
  backbone = loadTinyBackbone();
  dataset = syntheticDataset({ name: "syn", classes: 4, perClass: 5, seed: 3 });
  dir = await mkdtemp(join(tmpdir(), "vlp-checkpoint-"));
});
afterAll(async () => {
  backbone.model.dispose();
  await rm(dir, { recursive: true, force: true });
});

const recipe = resolveRecipe({ overrides: { epochs: 4, batchSize: 6, lr: 0.02, augment: true } });

async function run(options: Partial<TrainerOptions>, seed = 1) {
  const learner = contextMethod.create(contextMethod.parseOptions({}), { backbone, classNames: dataset.classNames, rng: new Rng(seed).fork("init") });
  try {
    const report = await train({ backbone, learner, dataset, recipe, seed, ...options });
    return { report, state: learner.state() };
  } finally {
    learner.dispose();
  }
}

describe("checkpoints", () => {
  for (const featureCache of ["auto", "off"] as const) {
    it(`resume continues exactly as an uninterrupted run (feature cache ${featureCache})`, async () => {
      const whole = await run({ featureCache, cacheViews: 3 });
      const checkpoints = { dir: join(dir, featureCache), method: "test-context", options: { contextLength: 4 } };
      const controller = new AbortController();
      const interrupted = run({ featureCache, cacheViews: 3, checkpoints, signal: controller.signal, hooks: [{ onEpochEnd: (m) => void (m.epoch === 1 && controller.abort()) }] });
      await expect(interrupted).rejects.toThrow(/VLP_TRAIN_ABORTED/);
      const saved = await readCheckpoint(join(dir, featureCache, "last.safetensors"));
      expect(saved.meta).toMatchObject({ epoch: 2, method: "test-context", options: { contextLength: 4 }, classNames: dataset.classNames });
      expect(saved.optimizer?.step).toBe(2 * 3);
      const resumed = await run({ featureCache, cacheViews: 3, checkpoints, resume: true });
      expect(resumed.report.resumedFromEpoch).toBe(2);
      expect(resumed.report.curve).toEqual(whole.report.curve);
      expect(resumed.state.textContext!.data).toEqual(whole.state.textContext!.data);
      expect(resumed.report.steps).toBe(whole.report.steps);
    });
  }

  it("writes last and best (learned parameters, optimizer state, readable JSON) and refuses a mismatched resume", async () => {
    const checkpoints = { dir: join(dir, "best") };
    const accuracies = [0.5, 0.75, 0.25, 0.5];
    const validation = { every: 1, evaluate: async (epoch: number) => ({ accuracy: accuracies[epoch]!, perClassAccuracy: {} }) };
    const { report } = await run({ checkpoints, validation, featureCache: "off" });
    expect(report.best).toEqual({ epoch: 2, accuracy: 0.75 });
    expect(report.curve.map((point) => point.accuracy)).toEqual(accuracies);
    const best = await readCheckpoint(join(dir, "best", "best.safetensors"));
    expect(best.meta.epoch).toBe(2);
    expect(Object.keys(best.learner)).toEqual(["textContext"]);
    expect(Object.keys(best.optimizer!.tensors).length).toBeGreaterThan(0);
    const sidecar = JSON.parse(readFileSync(join(dir, "best", "last.json"), "utf8"));
    expect(sidecar).toMatchObject({ format: "vlprompt-checkpoint", epoch: 4, best: { epoch: 2, accuracy: 0.75 } });
    await expect(run({ checkpoints, resume: true }, 2)).rejects.toThrow(/VLP_TRAIN_CHECKPOINT.*seed 1, this run has 2/s);
  });

  it("reads only vlprompt checkpoints", async () => {
    const path = join(dir, "not-a-checkpoint.safetensors");
    writeFileSync(path, "garbage");
    const error = await readCheckpoint(path).catch((e: unknown) => e);
    expect(isVlpromptError(error, "VLP_TRAIN_CHECKPOINT")).toBe(true);
    expect(existsSync(join(dir, "missing.safetensors"))).toBe(false);
    expect(isVlpromptError(await readCheckpoint(join(dir, "missing.safetensors")).catch((e: unknown) => e), "VLP_TRAIN_CHECKPOINT")).toBe(true);
  });
});
