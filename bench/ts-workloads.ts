/**
 * The TypeScript side of each benchmark workload. Every workload builds what it needs, then runs one warm-up
 * and `repeats` timed runs; a run ends when its results are read back to JavaScript (the loss, the gradient),
 * as the trainer reads the loss every step.
 */
import * as tf from "@tensorflow/tfjs";
import {
  chain,
  createOptimizer,
  encodeImage,
  optimizerFromRecipe,
  resolveRecipe,
  Rng,
  trainingLoss,
  withGram,
  type Backbone,
  type ForwardBatch,
  type MethodDefinition,
  type PromptLearner,
  type TrainRecipe,
} from "../packages/core/src/index.js";
import { builtinMethods } from "../packages/plugins/src/index.js";
import { classNames, type BenchSettings } from "./shapes.js";

export interface Timing {
  /** Milliseconds of each timed run. */
  readonly runs: number[];
  /** Anything else worth reporting (shapes, counts). */
  readonly detail?: Record<string, unknown>;
  readonly [key: string]: unknown;
}

export async function timeRuns(repeats: number, run: () => void | Promise<void>): Promise<number[]> {
  await run(); // warm-up: kernel compilation, first allocations
  const runs: number[] = [];
  for (let r = 0; r < repeats; r++) {
    const start = performance.now();
    await run();
    runs.push(performance.now() - start);
  }
  return runs;
}

/** The published batch size of each method's reference recipe (CoOp 32, CoCoOp 1, VPT/MaPLe/IVLP 4). */
export function publishedRecipe(method: string): TrainRecipe {
  return resolveRecipe({ preset: method, shots: 16 });
}

function method(name: string): MethodDefinition {
  const found = builtinMethods.find((m) => m.name === name);
  if (!found) throw new Error(`bench: no built-in method "${name}"`);
  return found;
}

function randomImages(batch: number, resolution: number, seed: number): tf.Tensor4D {
  return tf.tensor4d(new Rng(seed).normalArray(batch * 3 * resolution * resolution), [batch, 3, resolution, resolution]);
}

function labelsFor(batch: number, classes: number): tf.Tensor1D {
  return tf.tensor1d(Array.from({ length: batch }, (_, i) => i % classes), "int32");
}

/** Image encoder forward on `imageBatch` images. */
export async function imageForward(backbone: Backbone, settings: BenchSettings): Promise<Timing> {
  const images = randomImages(settings.imageBatch, backbone.model.config.imageResolution, 1);
  const runs = await timeRuns(settings.repeats, () => {
    tf.tidy(() => {
      encodeImage(backbone.model.weights, images).dataSync();
    });
  });
  images.dispose();
  return { runs, detail: { images: settings.imageBatch } };
}

/** One step's forward + backward (no update) of `learner` on `batch`: loss and every gradient read back. */
function gradients(backbone: Backbone, learner: PromptLearner, batch: ForwardBatch, labels: tf.Tensor1D): void {
  tf.tidy(() => {
    const { value, grads } = tf.variableGrads(() => trainingLoss(backbone, learner, batch, labels), Object.values(learner.params));
    value.dataSync();
    Object.values(grads).forEach((g) => g.dataSync());
  });
}

/** Text encoder forward + backward with CoOp prompts for `classes` classes, on 32 cached image features. */
export async function textTrain(backbone: Backbone, settings: BenchSettings): Promise<Timing> {
  const names = classNames(settings.classes);
  const learner = method("coop").create(method("coop").parseOptions(), { backbone, classNames: names, rng: new Rng(0) });
  const features = tf.tensor2d(new Rng(2).normalArray(32 * backbone.model.config.embedDim), [32, backbone.model.config.embedDim]);
  const labels = labelsFor(32, settings.classes);
  const runs = await timeRuns(settings.repeats, () => gradients(backbone, learner, { imageFeatures: features }, labels));
  tf.dispose([features, labels]);
  learner.dispose();
  return { runs, detail: { classes: settings.classes, sequences: settings.classes } };
}

export interface StepOptions {
  /** Wrap the method with GRAM (regulator on, no meta-checkpoint: the gated regulators at their initial values). */
  readonly gram?: boolean;
  /** Feed cached image features instead of images (only for methods that leave the image encoder alone). */
  readonly cachedFeatures?: boolean;
  readonly batchSize?: number;
}

interface PreparedStep {
  run(): void;
  dispose(): void;
  readonly detail: Record<string, unknown>;
}

/**
 * One full training step of a built-in method with its defaults and its published recipe: forward, backward,
 * loss read back, optimizer update (the trainer's chain: the learner's own link, then SGD).
 */
function prepareStep(backbone: Backbone, settings: BenchSettings, name: string, options: StepOptions): PreparedStep {
  const inner = method(name);
  const definition = options.gram ? withGram(inner) : inner;
  const learner = definition.create(definition.parseOptions(), { backbone, classNames: classNames(settings.classes), rng: new Rng(0) });
  const recipe = publishedRecipe(name);
  const batchSize = options.batchSize ?? recipe.batchSize;
  const own = learner.gradientTransform?.();
  const optimizer = createOptimizer(own ? chain(own, optimizerFromRecipe(recipe)) : optimizerFromRecipe(recipe), learner.params);
  const { embedDim, imageResolution } = backbone.model.config;
  const batch: ForwardBatch = options.cachedFeatures
    ? { imageFeatures: tf.tensor2d(new Rng(3).normalArray(batchSize * embedDim), [batchSize, embedDim]) }
    : { images: randomImages(batchSize, imageResolution, 3) };
  const labels = labelsFor(batchSize, settings.classes);
  const variables = Object.values(learner.params);
  return {
    run: () => {
      const { value, grads } = tf.variableGrads(() => trainingLoss(backbone, learner, batch, labels), variables);
      value.dataSync();
      const named = Object.fromEntries(Object.entries(learner.params).map(([key, v]) => [key, grads[v.name] ?? tf.zerosLike(v)]));
      optimizer.step(named);
      tf.dispose([value, ...Object.values(grads), ...Object.values(named)]);
    },
    dispose: () => {
      tf.dispose([labels, ...(batch.images ? [batch.images] : []), ...(batch.imageFeatures ? [batch.imageFeatures] : [])]);
      optimizer.dispose();
      learner.dispose();
    },
    detail: { batchSize, classes: settings.classes, params: variables.reduce((n, v) => n + v.size, 0) },
  };
}

export async function methodStep(backbone: Backbone, settings: BenchSettings, name: string, options: StepOptions = {}): Promise<Timing> {
  const step = prepareStep(backbone, settings, name, options);
  const runs = await timeRuns(settings.repeats, () => step.run());
  step.dispose();
  return { runs, detail: step.detail };
}

/**
 * GRAM's overhead: the GRAM-wrapped and the bare step of the same method, alternated in one process (so machine
 * load affects both alike). `runs` are the GRAM steps, `bareRuns` the bare ones.
 */
export async function gramOverhead(backbone: Backbone, settings: BenchSettings, name: string, options: StepOptions = {}): Promise<Timing> {
  const bare = prepareStep(backbone, settings, name, { ...options, gram: false });
  const gram = prepareStep(backbone, settings, name, { ...options, gram: true });
  bare.run();
  gram.run(); // warm-up both
  const runs: number[] = [];
  const bareRuns: number[] = [];
  for (let r = 0; r < Math.max(3, settings.repeats); r++) {
    for (const [step, into] of [[bare, bareRuns], [gram, runs]] as const) {
      const start = performance.now();
      step.run();
      into.push(performance.now() - start);
    }
  }
  bare.dispose();
  gram.dispose();
  return { runs, bareRuns, detail: gram.detail };
}
