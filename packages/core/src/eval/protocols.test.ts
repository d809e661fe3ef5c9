import "reflect-metadata";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { initBackend } from "../backend/select.js";
import { isVlpromptError } from "../errors.js";
import type { Backbone } from "../method/contract.js";
import type { MethodDefinition } from "../method/define.js";
import { resolveRecipe, type TrainRecipe } from "../train/recipes.js";
import { contextMethod, fixtureProvider, loadFixtureBackbone, loadTinyBackbone, syntheticDataset } from "../train/test-fixtures.js";
import { summarizeSeeds } from "./metrics.js";
import { protocolData, runProtocol, type DatasetProvider, type ProtocolTask } from "./protocols.js";
import { zeroShotMethod } from "./zero-shot.js";

let fixtureBackbone: Backbone;

beforeAll(async () => {
  await initBackend({ backend: "wasm", log: () => {} });
  fixtureBackbone = loadFixtureBackbone();
});
afterAll(() => fixtureBackbone.model.dispose());

const quick = resolveRecipe({ overrides: { epochs: 1, batchSize: 16, augment: false } });

async function runOn(task: ProtocolTask, options: { method?: MethodDefinition; recipe?: TrainRecipe; backbone?: Backbone; provider?: DatasetProvider } = {}) {
  const method = options.method ?? contextMethod;
  const data = await protocolData(options.provider ?? fixtureProvider, task);
  const result = await runProtocol({
    backbone: options.backbone ?? fixtureBackbone,
    method,
    options: method.parseOptions({}),
    data,
    recipe: options.recipe ?? quick,
    seed: task.seed,
  });
  return { data, result };
}

describe("protocols on the committed data fixture", () => {
  it("few-shot: K shots per class for training, the full test split for evaluation", async () => {
    const { data, result } = await runOn({ kind: "few-shot", dataset: "emoji@noto", shots: 2, seed: 1 });
    expect(data.train.size).toBe(12 * 2);
    expect(data.sets.map((set) => [set.role, set.dataset.size])).toEqual([["test", fixtureProvider.load("emoji@noto", "test").size]]);
    expect(result.accuracy).toBeGreaterThanOrEqual(0);
    expect(Object.keys(result.perClassAccuracy)).toHaveLength(12);
    expect(result.curve).toHaveLength(1);
    expect(result.baseAccuracy).toBeUndefined();
    const again = await runOn({ kind: "few-shot", dataset: "emoji@noto", shots: 2, seed: 1 });
    expect(again.result.accuracy).toBe(result.accuracy);
    expect(again.result.curve).toEqual(result.curve);
  });

  it("base-to-new: train on the base half, evaluate on base and on new classes; HM from seed averages", async () => {
    const runs = [];
    for (const seed of [1, 2]) {
      const { data, result } = await runOn({ kind: "base-to-new", dataset: "emoji@noto", shots: 4, seed });
      const [base, novel] = data.sets;
      expect(data.train.classNames).toEqual(base!.dataset.classNames);
      expect([...base!.dataset.classNames, ...novel!.dataset.classNames].sort()).toEqual([...fixtureProvider.load("emoji", "train").classNames].sort());
      expect(novel!.dataset.classNames.some((name) => data.train.classNames.includes(name))).toBe(false);
      expect(Object.keys(result.evaluations)).toEqual(["base", "new"]);
      expect(result.accuracy).toBe(result.baseAccuracy);
      expect(result.newAccuracy).toBe(result.evaluations.new!.accuracy);
      runs.push(result);
    }
    const summary = summarizeSeeds(runs);
    const base = (runs[0]!.baseAccuracy! + runs[1]!.baseAccuracy!) / 2;
    const novel = (runs[0]!.newAccuracy! + runs[1]!.newAccuracy!) / 2;
    expect(summary.hm).toBeCloseTo(base + novel === 0 ? 0 : (2 * base * novel) / (base + novel), 12);
  });

  it("cross-dataset: learn on one dataset, evaluate on others with no training", async () => {
    const { data, result } = await runOn({ kind: "cross-dataset", dataset: "emoji@noto", shots: 2, seed: 1, targets: ["icons", "fashion"] });
    expect(data.sets.map((set) => set.role)).toEqual(["test", "target", "target"]);
    expect(Object.keys(result.targetAccuracy!)).toEqual(["icons", "fashion"]);
    expect(result.evaluations.icons!.perClass).toHaveLength(6);
    expect(result.evaluations.fashion!.perClass).toHaveLength(10);
  });

  it("cross-domain: learn on one style, test the same classes in other styles", async () => {
    const { result } = await runOn({ kind: "cross-domain", dataset: "emoji@noto", shots: 2, seed: 1, targets: ["emoji@twemoji", "emoji@fluent-hc"] });
    expect(Object.keys(result.targetAccuracy!)).toEqual(["emoji@twemoji", "emoji@fluent-hc"]);
    const mismatch = await runOn({ kind: "cross-domain", dataset: "emoji@noto", shots: 2, seed: 1, targets: ["icons"] }).catch((e: unknown) => e);
    expect(isVlpromptError(mismatch, "VLP_EVAL_CLASS_MISMATCH")).toBe(true);
    const noTargets = await protocolData(fixtureProvider, { kind: "cross-domain", dataset: "emoji", shots: 1, seed: 1 }).catch((e: unknown) => e);
    expect(isVlpromptError(noTargets, "VLP_EVAL_BAD_PROTOCOL")).toBe(true);
  });
});

describe("CoOp against zero-shot CLIP (tiny golden model, synthetic classes)", () => {
  it("16-shot CoOp beats the zero-shot baseline", async () => {
    const backbone = loadTinyBackbone();
    const provider: DatasetProvider = {
      load: (name, split) => syntheticDataset({ name, classes: 10, perClass: split === "train" ? 16 : 10, seed: split === "train" ? 1 : 2 }),
    };
    const task: ProtocolTask = { kind: "few-shot", dataset: "syn", shots: 16, seed: 1 };
    const recipe = resolveRecipe({ overrides: { epochs: 10, batchSize: 16, lr: 0.002, augment: false } });
    const zeroShot = await runOn(task, { method: zeroShotMethod, backbone, provider, recipe });
    const coop = await runOn(task, { backbone, provider, recipe });
    expect(zeroShot.result.training.steps).toBe(0);
    expect(coop.result.training.steps).toBe(100);
    expect(coop.result.accuracy).toBeGreaterThan(zeroShot.result.accuracy + 0.1);
    backbone.model.dispose();
  });
});
