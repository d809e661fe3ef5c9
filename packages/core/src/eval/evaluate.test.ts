import "reflect-metadata";
import * as tf from "@tensorflow/tfjs";
import { mkdir, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import sharp from "sharp";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { initBackend } from "../backend/select.js";
import type { ClassificationDataset } from "../data/dataset.js";
import { loadImageFolder } from "../data/folder.js";
import { isVlpromptError } from "../errors.js";
import type { Backbone, PromptLearner } from "../method/contract.js";
import type { MethodDefinition } from "../method/define.js";
import { forward } from "../method/forward.js";
import { Rng } from "../tensor/rng.js";
import { encodeDataset } from "../train/feature-cache.js";
import { pixelsOf } from "../train/images.js";
import { resolveRecipe } from "../train/recipes.js";
import { conditionalMethod, contextMethod, loadTinyBackbone, syntheticDataset, visionMethod } from "../train/test-fixtures.js";
import { train } from "../train/trainer.js";
import { evaluate } from "./checkpoint-eval.js";
import { createValidator, evaluateLearner, predict } from "./evaluate.js";
import { templateFeatures, templateTokens, zeroShotMethod } from "./zero-shot.js";

let backbone: Backbone;
let dataset: ClassificationDataset;
let dir: string;

beforeAll(async () => {
  await initBackend({ backend: "wasm", log: () => {} });
  backbone = loadTinyBackbone();
  dataset = syntheticDataset({ name: "syn", classes: 4, perClass: 5, seed: 5 });
  dir = await mkdtemp(join(tmpdir(), "vlp-eval-"));
});
afterAll(async () => {
  backbone.model.dispose();
  await rm(dir, { recursive: true, force: true });
});

function learnerFor(method: MethodDefinition, classNames: readonly string[], options: object = {}): PromptLearner {
  return method.create(method.parseOptions(options), { backbone, classNames, rng: new Rng(3) });
}

/** Predictions of one forward pass over the whole dataset (the reference the batched paths must match). */
async function wholePredictions(learner: PromptLearner): Promise<number[]> {
  const images = await Promise.all(Array.from({ length: dataset.size }, (_, i) => dataset.image(i)));
  const pixels = pixelsOf(images, { resolution: backbone.model.config.imageResolution });
  const predicted = tf.tidy(() => Array.from(tf.argMax(forward(backbone, learner, { images: pixels }).logits, 1).dataSync()));
  pixels.dispose();
  return predicted;
}

describe("evaluation", () => {
  for (const method of [contextMethod, visionMethod, conditionalMethod, zeroShotMethod]) {
    it(`batched predictions equal one forward pass, at any batch size (${method.name})`, async () => {
      const learner = learnerFor(method, dataset.classNames);
      const expected = await wholePredictions(learner);
      for (const batchSize of [1, 7, 100]) expect(Array.from(await predict(backbone, learner, dataset, { batchSize }))).toEqual(expected);
      const before = tf.memory().numTensors;
      const result = await evaluateLearner(backbone, learner, dataset, { batchSize: 6 });
      expect(tf.memory().numTensors).toBe(before);
      const correct = expected.filter((p, i) => p === dataset.label(i)).length;
      expect(result).toMatchObject({ dataset: "syn", total: 20, correct, accuracy: correct / 20 });
      expect(Object.keys(result.perClassAccuracy)).toEqual(dataset.classNames);
      learner.dispose();
    });
  }

  it("reuses precomputed image features (validation) with the same result", async () => {
    const learner = learnerFor(contextMethod, dataset.classNames);
    const features = await encodeDataset(backbone, learner, dataset, { batchSize: 8 });
    const direct = await evaluateLearner(backbone, learner, dataset, { batchSize: 8 });
    const cached = await evaluateLearner(backbone, learner, dataset, { batchSize: 8, imageFeatures: features });
    expect(cached.predictions).toEqual(direct.predictions);
    const validator = createValidator(backbone, learner, dataset, { every: 1, batchSize: 8 });
    const first = await validator.evaluate(0);
    const count = tf.memory().numTensors;
    expect(await validator.evaluate(1)).toEqual(first);
    expect(tf.memory().numTensors).toBe(count);
    expect(first.accuracy).toBe(direct.accuracy);
    validator.dispose();
    features.dispose();
    learner.dispose();
    const vision = learnerFor(visionMethod, dataset.classNames);
    const error = await evaluateLearner(backbone, vision, dataset, { imageFeatures: tf.zeros([20, 32]) as tf.Tensor2D }).catch((e: unknown) => e);
    expect(isVlpromptError(error, "VLP_EVAL_BAD_PROTOCOL")).toBe(true);
    vision.dispose();
  });

  it("zero-shot CLIP classifies with \"a photo of a {}.\"", () => {
    const { rows, eotIndices } = templateTokens(backbone, ["t7"], "a photo of a {}.");
    expect(rows[0]!.slice(0, eotIndices[0]! + 1)).toEqual([510, 320, 502, 503, 320, 7, 269, 511]);
    expect(zeroShotMethod.parseOptions({}).template).toBe("a photo of a {}.");
    expect(() => zeroShotMethod.parseOptions({ template: "no placeholder" })).toThrow(/VLP_METHOD_OPTIONS/);
  });

  it("a list of templates is CLIP's ensemble: the mean of each template's unit text features", () => {
    const names = dataset.classNames;
    const templates = ["a photo of a {}.", "{}", "a {}"];
    const expected = tf.tidy(() => {
      const unit = templates.map((t) => { const raw = templateFeatures(backbone, names, t); return tf.div(raw, tf.norm(raw, 2, -1, true)); });
      return Array.from(tf.div(tf.add(tf.add(unit[0]!, unit[1]!), unit[2]!), 3).dataSync());
    });
    const before = tf.memory().numTensors;
    const learner = learnerFor(zeroShotMethod, names, { template: templates });
    const side = learner.text();
    if (side.kind !== "features") throw new Error("zero-shot gives fixed features");
    const got = Array.from(side.features.dataSync());
    got.forEach((value, i) => expect(value).toBeCloseTo(expected[i]!, 6));
    const single = learnerFor(zeroShotMethod, names, { template: ["{}"] });
    const one = single.text();
    if (one.kind !== "features") throw new Error("zero-shot gives fixed features");
    expect(Array.from(one.features.dataSync())).not.toEqual(got);
    tf.dispose([side.features, one.features]);
    learner.dispose();
    single.dispose();
    expect(tf.memory().numTensors).toBe(before);
    expect(() => zeroShotMethod.parseOptions({ template: [] })).toThrow(/VLP_METHOD_OPTIONS/);
    expect(() => zeroShotMethod.parseOptions({ template: ["{}", "no placeholder"] })).toThrow(/VLP_METHOD_OPTIONS/);
  });

  it("evaluate(checkpoint, dataset) rebuilds the learner for any dataset, including an image folder", async () => {
    const learner = learnerFor(contextMethod, dataset.classNames);
    const checkpoints = { dir: join(dir, "run"), method: "test-context", options: contextMethod.parseOptions({}) };
    await train({ backbone, learner, dataset, recipe: resolveRecipe({ overrides: { epochs: 2, batchSize: 8 } }), seed: 1, checkpoints });
    const expected = await evaluateLearner(backbone, learner, dataset);
    const path = join(dir, "run", "last.safetensors");
    const methods = { get: (name: string) => (name === "test-context" ? contextMethod : zeroShotMethod) };
    expect((await evaluate(path, dataset, { backbone, methods })).predictions).toEqual(expected.predictions);
    // Another class set (cross-dataset): only the context transfers, the class prompts are rebuilt.
    const other = syntheticDataset({ name: "other", classes: 6, perClass: 2, seed: 9, firstToken: 300 });
    expect((await evaluate(path, other, { backbone, methods })).perClass).toHaveLength(6);
    const folder = await writeImageFolder(join(dir, "folder"), syntheticDataset({ name: "f", classes: 3, perClass: 2, seed: 4, firstToken: 200 }));
    const onFolder = await evaluate(path, folder, { backbone, method: contextMethod });
    expect(onFolder).toMatchObject({ total: 6, dataset: "folder" });
    expect(Object.keys(onFolder.perClassAccuracy)).toEqual(["t200", "t201", "t202"]);
    const error = await evaluate(path, folder, { backbone }).catch((e: unknown) => e);
    expect(isVlpromptError(error, "VLP_EVAL_CHECKPOINT_METHOD")).toBe(true);
    learner.dispose();
  });
});

/** Write a dataset as root/<class>/<n>.png and open it with the data layer's image-folder loader. */
async function writeImageFolder(root: string, source: ClassificationDataset) {
  for (let i = 0; i < source.size; i++) {
    const image = await source.image(i);
    const classDir = join(root, source.classNames[source.label(i)]!);
    await mkdir(classDir, { recursive: true });
    await sharp(Buffer.from(image.data), { raw: { width: image.width, height: image.height, channels: 3 } }).png().toFile(join(classDir, `${i}.png`));
  }
  return loadImageFolder(root);
}
