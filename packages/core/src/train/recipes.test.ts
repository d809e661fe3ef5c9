import "reflect-metadata";
import * as tf from "@tensorflow/tfjs";
import { beforeAll, describe, expect, it } from "vitest";
import { initBackend } from "../backend/select.js";
import { isVlpromptError } from "../errors.js";
import { createOptimizer } from "./optim/optimizer.js";
import {
  getRecipePreset,
  optimizerFromRecipe,
  presetEpochs,
  recipeDefaultsFor,
  recipePresetNames,
  resolveRecipe,
} from "./recipes.js";

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (error) {
    return isVlpromptError(error) ? error.code : `not coded: ${String(error)}`;
  }
  return undefined;
}

describe("recipe presets", () => {
  beforeAll(() => initBackend({ backend: "cpu", log: () => {} }));

  it("hold the published numbers (methods.md sections 2-5, 8)", () => {
    const coop = getRecipePreset("coop");
    expect(coop.recipe).toMatchObject({ lr: 0.002, batchSize: 32, optimizer: "sgd", momentum: 0.9, weightDecay: 5e-4 });
    expect(coop.recipe).toMatchObject({ schedule: "cosine", warmupEpochs: 1, warmupLr: 1e-5, evalBatchSize: 100 });
    expect([1, 2, 4, 8, 16].map((shots) => presetEpochs(coop, shots))).toEqual([50, 100, 100, 200, 200]);
    expect(presetEpochs(coop, 3)).toBe(100); // the entry at or below 3 shots
    expect(getRecipePreset("cocoop").recipe).toMatchObject({ lr: 0.002, batchSize: 1, epochs: 10 });
    expect(getRecipePreset("cocoop").published).toMatchObject({ N_CTX: 4, CTX_INIT: "a photo of a" });
    expect(getRecipePreset("vpt").recipe).toMatchObject({ lr: 0.0025, batchSize: 4, epochs: 5 });
    expect(getRecipePreset("maple").recipe).toMatchObject({ lr: 0.0035, batchSize: 4, epochs: 5 });
    expect(getRecipePreset("maple").published).toMatchObject({ PROMPT_DEPTH: 9, N_CTX: 2 });
    expect(getRecipePreset("maple-xd").recipe).toMatchObject({ lr: 0.0026, batchSize: 4, epochs: 2 });
    expect(getRecipePreset("maple-xd").published).toMatchObject({ PROMPT_DEPTH: 3 });
    expect(getRecipePreset("ivlp").recipe).toMatchObject({ lr: 0.0035, batchSize: 4, epochs: 5 });
    for (const name of ["coop-small", "cocoop-small", "vpt-small", "maple-small", "ivlp-small"]) {
      expect(recipePresetNames()).toContain(name);
      expect(getRecipePreset(name).recipe.epochs).toBeLessThanOrEqual(10);
    }
    // Short scaled runs skip the 1e-5 warm-up epoch; published recipes keep it.
    expect(["cocoop-small", "vpt-small", "maple-small", "ivlp-small"].map((name) => getRecipePreset(name).recipe.warmupEpochs)).toEqual([0, 0, 0, 0]);
    expect(getRecipePreset("maple-xd").recipe.warmupEpochs).toBe(1);
  });

  it("merge field by field: defaults < preset (epochs by shots) < overrides", () => {
    expect(resolveRecipe({ preset: "coop", shots: 1 }).epochs).toBe(50);
    const recipe = resolveRecipe({ preset: "coop", shots: 16, overrides: { lr: 0.01, augment: false, batchSize: undefined } });
    expect(recipe).toMatchObject({ epochs: 200, lr: 0.01, augment: false, batchSize: 32, momentum: 0.9 });
    expect(resolveRecipe({ preset: "coop", shots: 1, overrides: { epochs: 3 } }).epochs).toBe(3);
    expect(resolveRecipe()).toMatchObject({ epochs: 50, lr: 0.002, optimizer: "sgd" });
    expect(recipeDefaultsFor({ recipe: "vpt" })).toMatchObject({ lr: 0.0025, batchSize: 4 });
    expect(recipeDefaultsFor({})).toEqual({});
  });

  it("reject unknown presets with a suggestion and bad fields by name", () => {
    expect(codeOf(() => getRecipePreset("coopp"))).toBe("VLP_TRAIN_UNKNOWN_PRESET");
    expect(() => getRecipePreset("coopp")).toThrow(/did you mean "coop"/);
    expect(codeOf(() => resolveRecipe({ overrides: { epochs: 0, lr: -1 } }))).toBe("VLP_TRAIN_BAD_RECIPE");
    expect(() => resolveRecipe({ overrides: { epochs: 1.5, momentum: 1 } })).toThrow(/epochs must be an integer >= 1.*momentum must be in \[0, 1\)/);
  });

  it("build the Dassl optimizer: constant warm-up epoch at 1e-5, then the cosine over all epochs", () => {
    const variable = tf.variable(tf.zeros([2]));
    const optimizer = createOptimizer(optimizerFromRecipe(resolveRecipe({ overrides: { epochs: 5, lr: 0.002 } })), { w: variable });
    const rates = [0, 1, 2, 3, 4].map((epoch) => {
      optimizer.setEpoch(epoch);
      return optimizer.learningRate()!;
    });
    expect(rates[0]).toBe(1e-5);
    expect(rates[1]).toBeCloseTo(0.002, 12);
    expect(rates[2]).toBeCloseTo(0.001 * (1 + Math.cos(Math.PI / 5)), 12);
    expect(rates[4]).toBeCloseTo(0.001 * (1 + Math.cos((3 * Math.PI) / 5)), 12);
    const constant = createOptimizer(optimizerFromRecipe(resolveRecipe({ overrides: { epochs: 5, schedule: "constant" } })), { w: variable });
    constant.setEpoch(3);
    expect(constant.learningRate()).toBe(0.002);
    optimizer.dispose();
    constant.dispose();
    variable.dispose();
  });
});
