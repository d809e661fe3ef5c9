/**
 * End-to-end CoOp 16-shot on the built-in Fashion-MNIST with the published CoOp recipe (200 epochs at 16 shots,
 * batch 32, SGD lr 0.002, cosine, 1 warm-up epoch), through the real Trainer (feature cache on). The backbone
 * has the first default backbone's shape (128 wide, 4 layers, 32 px, 8 px patches) with CLIP's 77-token context
 * so CoOp's 16 context tokens fit; its weights are random (speed does not depend on their values).
 *
 * The same run doubles as the leak check: tensor count and process memory are sampled at every epoch end.
 */
import * as tf from "@tensorflow/tfjs";
import { join } from "node:path";
import {
  ClipModel,
  defaultBackboneConfig,
  fewShot,
  imagesAt,
  initClipWeights,
  loadDataset,
  pixelsOf,
  prepareCache,
  resolveRecipe,
  Rng,
  train,
  WordTokenizer,
  type Backbone,
  type ClassificationDataset,
  type ClipConfig,
  type NamedArray,
  type TensorToWrite,
  type TrainRecipe,
} from "../packages/core/src/index.js";
import { coop } from "../packages/plugins/src/index.js";
import { promptRows, type BenchSettings } from "./shapes.js";

export const E2E_DATASET = "fashionmnist";
export const E2E_SHOTS = 16;

export function e2eRecipe(): TrainRecipe {
  // The published recipe; augmentation off on both sides (the PyTorch loop trains on the same preprocessed pixels).
  return resolveRecipe({ preset: "coop", shots: E2E_SHOTS, overrides: { augment: false } });
}

/** The 16-shot training set; prepares the Fashion-MNIST cache (apt) into the bench folder when it is missing. */
export async function e2eDataset(settings: BenchSettings): Promise<ClassificationDataset> {
  const cacheDir = process.env.VLPROMPT_CACHE ? undefined : join(settings.workDir, "cache");
  let full: ClassificationDataset;
  try {
    full = loadDataset(E2E_DATASET, { split: "train", cacheDir });
  } catch {
    await prepareCache({ cacheDir, sources: [], fashionMnist: true });
    full = loadDataset(E2E_DATASET, { split: "train", cacheDir });
  }
  return fewShot(full, { shots: E2E_SHOTS, seed: 1 });
}

export function e2eTokenizer(dataset: ClassificationDataset): WordTokenizer {
  const words = new Set(dataset.classNames.join(" ").toLowerCase().split(/[^a-z0-9]+/).filter(Boolean));
  return WordTokenizer.fromWords(["x", ...words]);
}

export function e2eConfig(tokenizer: WordTokenizer): ClipConfig {
  // The first default backbone's shape (32 px; docs/benchmarks.md's tables were measured on it), CLIP's context.
  return { ...defaultBackboneConfig, imageResolution: 32, contextLength: 77, vocabSize: tokenizer.vocabSize };
}

export function e2eWeights(config: ClipConfig): Record<string, TensorToWrite> {
  return initClipWeights(config, new Rng(0));
}

export function e2eBackbone(weights: Record<string, TensorToWrite>, tokenizer: WordTokenizer): Backbone {
  const map = new Map<string, NamedArray>(Object.entries(weights).map(([n, t]) => [n, { shape: [...t.shape], data: t.data } as NamedArray]));
  return { model: ClipModel.fromTensorMap(map), tokenizer, name: "bench-e2e" };
}

/** The preprocessed pixels and labels the PyTorch loop trains on (the test preprocessing, as our feature cache uses). */
export async function e2eTensors(dataset: ClassificationDataset, resolution: number): Promise<Record<string, TensorToWrite>> {
  const indices = Array.from({ length: dataset.size }, (_, i) => i);
  const pixels = pixelsOf(await imagesAt(dataset, indices), { resolution });
  const data = pixels.dataSync() as Float32Array;
  const shape = [...pixels.shape];
  pixels.dispose();
  return { "e2e.images": { shape, data }, "e2e.labels": { shape: [dataset.size], data: Int32Array.from(dataset.labels()) } };
}

export function e2ePrompts(backbone: Backbone, dataset: ClassificationDataset) {
  return promptRows(backbone, dataset.classNames, coop.defaults.contextLength);
}

export interface E2eResult {
  readonly runs: number[];
  readonly steps: number;
  readonly finalLoss: number;
  /** [step, numTensors, rssMb] at every 20th epoch's end and the last's, after a full collection. */
  readonly memory: [number, number, number][];
}

export async function e2eTrain(backbone: Backbone, dataset: ClassificationDataset): Promise<E2eResult> {
  const learner = coop.create(coop.parseOptions(), { backbone, classNames: dataset.classNames, rng: new Rng(0) });
  const memory: [number, number, number][] = [];
  const recipe = e2eRecipe();
  let steps = 0;
  let finalLoss = NaN;
  const start = performance.now();
  const report = await train({
    backbone,
    learner,
    dataset,
    recipe,
    seed: 1,
    hooks: [
      {
        name: "bench-memory",
        afterStep: (context) => {
          steps++;
          finalLoss = context.loss;
        },
        onEpochEnd: (context) => {
          // Every 20th epoch and the last, after a full collection (the worker runs with --expose-gc): V8 collects
          // when it likes, so RSS sampled without one swings by 10-15% with no leak (docs/benchmarks.md).
          if ((context.epoch + 1) % 20 !== 0 && context.epoch + 1 !== recipe.epochs) return;
          (globalThis as { gc?: () => void }).gc?.();
          memory.push([steps, tf.memory().numTensors, process.memoryUsage().rss / 2 ** 20]);
        },
      },
    ],
  });
  const elapsed = performance.now() - start;
  learner.dispose();
  if (!report.featureCache.used) throw new Error("bench: the feature cache was not used");
  return { runs: [elapsed], steps, finalLoss, memory };
}
