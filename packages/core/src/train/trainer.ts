/**
 * The Trainer: epochs of shuffled batches (drop_last only when the set is larger than a batch), SGD-style
 * updates through an optimizer chain built from the recipe, the feature cache for learners that leave the
 * image encoder alone, validation every N epochs, last/best checkpoints of the learned parameters, resume,
 * and hooks around backward and the optimizer step. All randomness comes from Rng(seed):
 * `fork("sampling")` orders the batches, `fork("augmentation")` draws the augmented views. The loss is read
 * back once per step; a NaN or Inf loss stops the run with VLP_TRAIN_NON_FINITE_LOSS.
 */
import * as tf from "@tensorflow/tfjs";
import { existsSync } from "node:fs";
import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import type { ClassificationDataset } from "../data/dataset.js";
import type { CurvePoint } from "../experiment/types.js";
import type { Backbone, PromptLearner } from "../method/contract.js";
import { canCacheImageFeatures, trainingLoss, type ForwardBatch } from "../method/forward.js";
import { Rng } from "../tensor/rng.js";
import { readCheckpoint, saveCheckpoint, type CheckpointMeta, CHECKPOINT_FORMAT } from "./checkpoint.js";
import { trainErrors } from "./errors.js";
import { FeatureCache } from "./feature-cache.js";
import { disposeReplaced, type EpochMetrics, type StepContext, type TrainerHooks } from "./hooks.js";
import { imagesAt, labelsOf, pixelsOf } from "./images.js";
import { chain } from "./optim/combine.js";
import { createOptimizer, type Optimizer } from "./optim/optimizer.js";
import type { GradientTransformation, NamedTensors } from "./optim/types.js";
import { checkRecipe, optimizerFromRecipe, type TrainRecipe } from "./recipes.js";
import { epochBatches, stepsPerEpoch } from "./sampler.js";

export interface ValidationResult {
  readonly accuracy: number;
  readonly perClassAccuracy: Readonly<Record<string, number>>;
}

export interface ValidationOptions {
  /** Validate after every `every` epochs and after the last one. */
  readonly every: number;
  /** Evaluate the learner as it stands (e.g. eval's `createValidator`). */
  evaluate(epoch: number): Promise<ValidationResult>;
}

export interface CheckpointOptions {
  /** Folder for last.safetensors / best.safetensors (+ .json). */
  readonly dir: string;
  /** Write last.safetensors every N epochs (default 1) and after the last epoch. */
  readonly every?: number;
  /** Write best.safetensors when validation improves (default true). */
  readonly best?: boolean;
  /** Method name, options and anything else stored in the checkpoint's description. */
  readonly method?: string;
  readonly options?: Readonly<Record<string, unknown>>;
  readonly extra?: Readonly<Record<string, unknown>>;
}

export interface TrainProgress {
  readonly epoch: number; // 1-based
  readonly epochs: number;
  readonly step: number; // 1-based, inside the epoch
  readonly steps: number;
  readonly loss: number;
}

export interface TrainerOptions {
  readonly backbone: Backbone;
  readonly learner: PromptLearner;
  readonly dataset: ClassificationDataset;
  readonly recipe: TrainRecipe;
  readonly seed: number;
  readonly hooks?: readonly TrainerHooks[];
  /** "auto" (default) caches image features when the learner has no vision prompts; "off" encodes every batch. */
  readonly featureCache?: "auto" | "off";
  /** Augmented views the cache holds when augmentation is on (default ceil(epochs / 10), between 1 and 8). */
  readonly cacheViews?: number;
  /** Images per encoder call when filling the cache (default recipe.evalBatchSize). */
  readonly encodeBatchSize?: number;
  readonly validation?: ValidationOptions;
  readonly checkpoints?: CheckpointOptions;
  /** Continue from checkpoints.dir/last.safetensors when it exists. */
  readonly resume?: boolean;
  /** Extra optimizer links applied before the recipe's optimizer (after the learner's own, if any). */
  readonly links?: readonly GradientTransformation[];
  readonly signal?: AbortSignal;
  readonly onProgress?: (progress: TrainProgress) => void;
}

export interface TrainingReport {
  /** Epochs completed (including those before a resume). */
  readonly epochs: number;
  /** Optimizer updates applied in total. */
  readonly steps: number;
  /** Mean training loss per epoch (epochs 1-based), with the validation accuracy where it ran. */
  readonly curve: readonly CurvePoint[];
  readonly best?: { readonly epoch: number; readonly accuracy: number };
  readonly featureCache: { readonly used: boolean; readonly views: number };
  /** Epochs found in the checkpoint this run resumed from. */
  readonly resumedFromEpoch?: number;
  readonly wallTimeMs: number;
}

interface StepOutcome {
  readonly loss: number;
}

export class Trainer {
  private readonly params: Readonly<Record<string, tf.Variable>>;
  private readonly optimizer: Optimizer | undefined;
  private readonly samplingRng: Rng;
  private readonly augmentRng: Rng;
  private readonly labels: Int32Array;
  private readonly cache: FeatureCache | undefined;
  private readonly hooks: readonly TrainerHooks[];
  private curve: CurvePoint[] = [];
  private best: { epoch: number; accuracy: number } | undefined;
  private nextEpoch = 0;
  private resumedFromEpoch: number | undefined;

  constructor(private readonly options: TrainerOptions) {
    checkRecipe(options.recipe);
    if (options.dataset.size === 0) throw trainErrors.make("VLP_TRAIN_EMPTY_DATASET", `training set ${options.dataset.name} is empty`);
    const rng = new Rng(options.seed);
    this.samplingRng = rng.fork("sampling");
    this.augmentRng = rng.fork("augmentation");
    this.params = options.learner.params;
    this.labels = options.dataset.labels();
    this.hooks = options.hooks ?? [];
    this.optimizer = Object.keys(this.params).length > 0 ? createOptimizer(this.buildTransform(), this.params) : undefined;
    this.cache = this.shouldCache() ? this.buildCache() : undefined;
  }

  private buildTransform(): GradientTransformation {
    const own = this.options.learner.gradientTransform?.();
    const links = [...(own ? [own] : []), ...(this.options.links ?? []), optimizerFromRecipe(this.options.recipe)];
    return links.length === 1 ? links[0]! : chain(...links);
  }

  private shouldCache(): boolean {
    return this.options.featureCache !== "off" && canCacheImageFeatures(this.options.learner) && this.optimizer !== undefined;
  }

  private buildCache(): FeatureCache {
    const { backbone, learner, dataset, recipe, signal } = this.options;
    return new FeatureCache({
      backbone,
      learner,
      dataset,
      views: this.options.cacheViews ?? defaultCacheViews(recipe.epochs),
      augmentRng: recipe.augment ? this.augmentRng : undefined,
      encodeBatchSize: this.options.encodeBatchSize ?? recipe.evalBatchSize,
      signal,
    });
  }

  /** Train for the recipe's epochs (from where the checkpoint left off when resuming). */
  async run(): Promise<TrainingReport> {
    const started = Date.now();
    if (this.options.resume) await this.resume();
    const { epochs } = this.options.recipe;
    if (this.optimizer) {
      for (let epoch = this.nextEpoch; epoch < epochs; epoch++) {
        const metrics = await this.runEpoch(epoch);
        await this.endEpoch(metrics);
        this.nextEpoch = epoch + 1;
      }
    }
    return {
      epochs: this.optimizer ? epochs : 0,
      steps: this.optimizer?.stepCount ?? 0,
      curve: [...this.curve],
      ...(this.best ? { best: { ...this.best } } : {}),
      featureCache: { used: this.cache !== undefined, views: this.cache?.viewCount ?? 0 },
      ...(this.resumedFromEpoch !== undefined ? { resumedFromEpoch: this.resumedFromEpoch } : {}),
      wallTimeMs: Date.now() - started,
    };
  }

  private async runEpoch(epoch: number): Promise<EpochMetrics> {
    const optimizer = this.optimizer!;
    optimizer.setEpoch(epoch);
    const lr = optimizer.learningRate();
    const { dataset, recipe } = this.options;
    const batches = epochBatches(dataset.size, recipe.batchSize, this.samplingRng, epoch);
    const view = this.cache ? await this.cache.viewFor(epoch) : undefined;
    const augmentRng = recipe.augment ? this.augmentRng.fork(`epoch-${epoch}`) : undefined;
    let lossSum = 0;
    for (const [batch, indices] of batches.entries()) {
      this.checkAbort(epoch);
      const context: StepContext = { epoch, step: optimizer.stepCount, batch, batches: batches.length };
      const input = view ? { imageFeatures: FeatureCache.rows(view, indices) } : await this.pixelInput(indices, augmentRng);
      const { loss } = await this.step(input, indices, context);
      lossSum += loss;
      this.options.onProgress?.({ epoch: epoch + 1, epochs: recipe.epochs, step: batch + 1, steps: batches.length, loss });
    }
    return { epoch, loss: lossSum / batches.length, steps: batches.length, ...(lr !== undefined ? { lr } : {}) };
  }

  private async pixelInput(indices: readonly number[], augmentRng: Rng | undefined): Promise<ForwardBatch> {
    const images = await imagesAt(this.options.dataset, indices);
    return { images: pixelsOf(images, { resolution: this.options.backbone.model.config.imageResolution, augmentRng }) };
  }

  private checkAbort(epoch: number): void {
    if (this.options.signal?.aborted) {
      throw trainErrors.make("VLP_TRAIN_ABORTED", `interrupted in epoch ${epoch + 1} of ${this.options.recipe.epochs}`);
    }
  }

  /** One update: forward + backward, loss read once, hooks, optimizer step. Frees every tensor it made. */
  private async step(input: ForwardBatch, indices: readonly number[], context: StepContext): Promise<StepOutcome> {
    const labels = labelsOf(this.labels, indices);
    let grads: NamedTensors = {};
    try {
      for (const hook of this.hooks) await hook.beforeBackward?.(context);
      const computed = this.gradients(input, labels);
      grads = computed.grads;
      const loss = computed.loss;
      if (!Number.isFinite(loss)) throw this.nonFiniteError(loss, grads, context);
      grads = this.afterBackward(grads, { ...context, loss });
      for (const hook of this.hooks) hook.beforeStep?.(grads, context);
      this.optimizer!.step(grads);
      for (const hook of this.hooks) await hook.afterStep?.({ ...context, loss });
      return { loss };
    } finally {
      tf.dispose([labels, ...Object.values(grads), ...(input.images ? [input.images] : []), ...(input.imageFeatures ? [input.imageFeatures] : [])]);
    }
  }

  private gradients(input: ForwardBatch, labels: tf.Tensor1D): { loss: number; grads: NamedTensors } {
    const { backbone, learner } = this.options;
    const variables = Object.values(this.params);
    const { value, grads: byVariable } = tf.variableGrads(() => trainingLoss(backbone, learner, input, labels), variables);
    const loss = value.dataSync()[0]!;
    value.dispose();
    const grads: Record<string, tf.Tensor> = {};
    for (const [name, variable] of Object.entries(this.params)) {
      grads[name] = byVariable[variable.name] ?? tf.zerosLike(variable);
    }
    return { loss, grads };
  }

  private afterBackward(grads: NamedTensors, context: StepContext & { loss: number }): NamedTensors {
    let current = grads;
    for (const hook of this.hooks) {
      const replaced = hook.afterBackward?.(current, context);
      if (!replaced) continue;
      const names = Object.keys(this.params);
      const bad = names.filter((name) => !replaced[name] || !sameShape(replaced[name]!.shape, this.params[name]!.shape));
      if (bad.length > 0 || Object.keys(replaced).length !== names.length) {
        disposeReplaced(replaced, current);
        if (current !== grads) tf.dispose(Object.values(current));
        throw trainErrors.make("VLP_TRAIN_BAD_HOOK", `hook ${hook.name ?? "(unnamed)"} returned gradients that do not match: ${bad.join(", ") || "extra names"}`);
      }
      disposeReplaced(current, replaced);
      current = replaced;
    }
    return current;
  }

  private nonFiniteError(loss: number, grads: NamedTensors, context: StepContext) {
    const groups = Object.entries(grads)
      .filter(([, grad]) => tf.tidy(() => tf.all(tf.isFinite(grad)).dataSync()[0]) === 0)
      .map(([name]) => name);
    const where = `epoch ${context.epoch + 1}, step ${context.step + 1} (batch ${context.batch + 1} of ${context.batches})`;
    const which = groups.length > 0 ? `parameter groups with non-finite gradients: ${groups.join(", ")}` : `every parameter group's gradient is finite (${Object.keys(grads).join(", ")}): the loss itself overflowed`;
    return trainErrors.make("VLP_TRAIN_NON_FINITE_LOSS", `training loss is ${loss} at ${where}; ${which}`);
  }

  private async endEpoch(metrics: EpochMetrics): Promise<void> {
    const { validation, recipe } = this.options;
    const last = metrics.epoch + 1 === recipe.epochs;
    let accuracy: number | undefined;
    if (validation && ((metrics.epoch + 1) % validation.every === 0 || last)) {
      const result = await validation.evaluate(metrics.epoch);
      accuracy = result.accuracy;
      const improved = !this.best || accuracy > this.best.accuracy;
      if (improved) this.best = { epoch: metrics.epoch + 1, accuracy };
      if (improved && this.options.checkpoints && this.options.checkpoints.best !== false) await this.save("best", metrics.epoch + 1);
      for (const hook of this.hooks) await hook.onEvaluate?.({ epoch: metrics.epoch, ...result, best: improved });
    }
    this.curve.push({ epoch: metrics.epoch + 1, loss: metrics.loss, ...(accuracy !== undefined ? { accuracy } : {}) });
    for (const hook of this.hooks) await hook.onEpochEnd?.({ ...metrics, ...(accuracy !== undefined ? { accuracy } : {}) });
    const every = this.options.checkpoints?.every ?? 1;
    if (this.options.checkpoints && ((metrics.epoch + 1) % every === 0 || last)) await this.save("last", metrics.epoch + 1);
  }

  private meta(epoch: number): CheckpointMeta {
    const { checkpoints, dataset, recipe, seed } = this.options;
    return {
      format: CHECKPOINT_FORMAT,
      v: 1,
      epoch,
      step: this.optimizer?.stepCount ?? 0,
      classNames: [...dataset.classNames],
      ...(checkpoints?.method ? { method: checkpoints.method } : {}),
      ...(checkpoints?.options ? { options: checkpoints.options } : {}),
      curve: [...this.curve],
      ...(this.best ? { best: { ...this.best } } : {}),
      extra: { ...checkpoints?.extra, seed, recipe },
      savedAt: new Date().toISOString(),
    };
  }

  private async save(name: "last" | "best", epoch: number): Promise<void> {
    const dir = this.options.checkpoints!.dir;
    await mkdir(dir, { recursive: true });
    const optimizer = this.optimizer?.state();
    await saveCheckpoint(join(dir, `${name}.safetensors`), {
      meta: this.meta(epoch),
      learner: this.options.learner.state(),
      ...(optimizer ? { optimizer } : {}),
    });
  }

  private async resume(): Promise<void> {
    const dir = this.options.checkpoints?.dir;
    if (!dir) throw trainErrors.make("VLP_TRAIN_CHECKPOINT", "resume needs checkpoints.dir");
    const path = join(dir, "last.safetensors");
    if (!existsSync(path)) return;
    const checkpoint = await readCheckpoint(path);
    this.checkResumable(checkpoint.meta, path);
    this.options.learner.load(checkpoint.learner);
    if (this.optimizer && checkpoint.optimizer) this.optimizer.load(checkpoint.optimizer);
    this.nextEpoch = checkpoint.meta.epoch;
    this.resumedFromEpoch = checkpoint.meta.epoch;
    this.curve = [...checkpoint.meta.curve];
    this.best = checkpoint.meta.best ? { ...checkpoint.meta.best } : undefined;
  }

  private checkResumable(meta: CheckpointMeta, path: string): void {
    const { dataset, recipe, seed } = this.options;
    const problems: string[] = [];
    if (JSON.stringify(meta.classNames) !== JSON.stringify(dataset.classNames)) problems.push("its class names differ");
    if (meta.extra?.seed !== seed) problems.push(`it was trained with seed ${String(meta.extra?.seed)}, this run has ${seed}`);
    const flat = (value: unknown) => JSON.stringify(value, Object.keys((value ?? {}) as object).sort()); // key order aside
    if (flat(meta.extra?.recipe) !== flat(recipe)) problems.push("its recipe differs");
    if (meta.epoch > recipe.epochs) problems.push(`it has ${meta.epoch} epochs, the recipe ${recipe.epochs}`);
    if (problems.length > 0) throw trainErrors.make("VLP_TRAIN_CHECKPOINT", `cannot resume from ${path}: ${problems.join("; ")}`);
  }

  /** Steps per epoch for this dataset and recipe. */
  get stepsPerEpoch(): number {
    return stepsPerEpoch(this.options.dataset.size, this.options.recipe.batchSize);
  }

  /** Free the optimizer state and the feature cache (the learner belongs to the caller). */
  dispose(): void {
    this.optimizer?.dispose();
    this.cache?.dispose();
  }
}

/**
 * One augmented view per 10 epochs, at most 8: filling a view costs about as much as one or two uncached epochs, so a
 * 10-epoch run keeps one view and a 200-epoch run reuses each of its 8 views 25 times.
 */
export function defaultCacheViews(epochs: number): number {
  return Math.min(8, Math.max(1, Math.ceil(epochs / 10)));
}

function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

/** Train a learner in place and free the trainer's own tensors afterwards. */
export async function train(options: TrainerOptions): Promise<TrainingReport> {
  const trainer = new Trainer(options);
  try {
    return await trainer.run();
  } finally {
    trainer.dispose();
  }
}
