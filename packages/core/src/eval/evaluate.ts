/**
 * Batched evaluation of a learner on any labelled dataset (built-in, image folder, a subset): CLIP test
 * preprocessing, top-1 predictions, accuracy and per-class accuracy. Text features of learners that do not
 * condition on the image are computed once per evaluation; image features may come precomputed (learners
 * without vision prompts), which is how validation every N epochs avoids re-encoding the test set.
 */
import * as tf from "@tensorflow/tfjs";
import { clipLogits } from "../clip/encoders.js";
import type { ClassificationDataset } from "../data/dataset.js";
import type { Backbone, PromptLearner } from "../method/contract.js";
import { canCacheImageFeatures, forward, imageFeaturesOf, textFeaturesOf } from "../method/forward.js";
import { trainErrors } from "../train/errors.js";
import { encodeDataset } from "../train/feature-cache.js";
import { imagesAt, pixelsOf } from "../train/images.js";
import type { ValidationOptions } from "../train/trainer.js";
import { evalErrors } from "./errors.js";
import { accuracyReport, type AccuracyReport } from "./metrics.js";

export interface EvaluateOptions {
  /** Images per forward pass (the recipe's evalBatchSize; default 100, as Dassl's test loader). */
  readonly batchSize?: number;
  /** Image features [items, embed] of this dataset, already computed (only for learners without vision prompts). */
  readonly imageFeatures?: tf.Tensor2D;
  readonly signal?: AbortSignal;
  /** Called after each batch with the number of items done. */
  readonly onProgress?: (done: number, total: number) => void;
}

export interface EvaluationResult extends AccuracyReport {
  readonly dataset: string;
  /** Predicted label per item, in item order. */
  readonly predictions: Int32Array;
}

/** Frozen text features [classes, embed] for a learner whose text does not depend on the image; else undefined. */
function sharedTextFeatures(backbone: Backbone, learner: PromptLearner): tf.Tensor | undefined {
  if (learner.conditionsOnImage) return undefined;
  // The clone keeps a learner-owned tensor (a fixed classifier) safe from the dispose below.
  return tf.tidy(() => tf.clone(textFeaturesOf(backbone, learner)));
}

async function batchPredictions(
  backbone: Backbone,
  learner: PromptLearner,
  dataset: ClassificationDataset,
  indices: readonly number[],
  shared: { text?: tf.Tensor; features?: tf.Tensor2D },
): Promise<Int32Array> {
  const input = shared.features
    ? { imageFeatures: tf.tidy(() => tf.slice(shared.features!, [indices[0]!, 0], [indices.length, -1]) as tf.Tensor2D) }
    : { images: pixelsOf(await imagesAt(dataset, indices), { resolution: backbone.model.config.imageResolution }) };
  try {
    const predicted = tf.tidy(() => {
      if (!shared.text) return tf.argMax(forward(backbone, learner, input).logits, 1);
      const imageFeatures = imageFeaturesOf(backbone, learner, input);
      return tf.argMax(clipLogits(imageFeatures, shared.text, backbone.model.weights.logitScale), 1);
    });
    const values = Int32Array.from(await predicted.data());
    predicted.dispose();
    return values;
  } finally {
    tf.dispose([...(input.images ? [input.images] : []), ...(input.imageFeatures ? [input.imageFeatures] : [])]);
  }
}

/** Top-1 predictions for every item of `dataset`, in batches. */
export async function predict(
  backbone: Backbone,
  learner: PromptLearner,
  dataset: ClassificationDataset,
  options: EvaluateOptions = {},
): Promise<Int32Array> {
  const batchSize = options.batchSize ?? 100;
  if (options.imageFeatures && !canCacheImageFeatures(learner)) {
    throw evalErrors.make("VLP_EVAL_BAD_PROTOCOL", "precomputed image features were given for a learner that prompts the image encoder");
  }
  const predictions = new Int32Array(dataset.size);
  const text = sharedTextFeatures(backbone, learner);
  try {
    for (let start = 0; start < dataset.size; start += batchSize) {
      if (options.signal?.aborted) throw trainErrors.make("VLP_TRAIN_ABORTED", `evaluation of ${dataset.name} was interrupted`);
      const indices = Array.from({ length: Math.min(batchSize, dataset.size - start) }, (_, i) => start + i);
      predictions.set(await batchPredictions(backbone, learner, dataset, indices, { text, features: options.imageFeatures }), start);
      options.onProgress?.(start + indices.length, dataset.size);
    }
  } finally {
    text?.dispose();
  }
  return predictions;
}

/** Accuracy and per-class accuracy of a learner on a dataset (the learner must be built for its class names). */
export async function evaluateLearner(
  backbone: Backbone,
  learner: PromptLearner,
  dataset: ClassificationDataset,
  options: EvaluateOptions = {},
): Promise<EvaluationResult> {
  if (dataset.size === 0) throw evalErrors.make("VLP_EVAL_EMPTY_DATASET", `evaluation set ${dataset.name} has no images`);
  const predictions = await predict(backbone, learner, dataset, options);
  return { dataset: dataset.name, predictions, ...accuracyReport(predictions, dataset.labels(), dataset.classNames) };
}

export interface Validator extends ValidationOptions {
  /** Free the cached image features. */
  dispose(): void;
}

/**
 * Validation for the Trainer: evaluate the learner on `dataset` every `every` epochs. For learners without vision
 * prompts the dataset's image features are encoded once, at the first validation, and reused.
 */
export function createValidator(
  backbone: Backbone,
  learner: PromptLearner,
  dataset: ClassificationDataset,
  options: { every: number; batchSize?: number; signal?: AbortSignal },
): Validator {
  let features: tf.Tensor2D | undefined;
  const batchSize = options.batchSize ?? 100;
  return {
    every: options.every,
    async evaluate() {
      if (!features && canCacheImageFeatures(learner)) features = await encodeDataset(backbone, learner, dataset, { batchSize, signal: options.signal });
      const result = await evaluateLearner(backbone, learner, dataset, { batchSize, imageFeatures: features, signal: options.signal });
      return { accuracy: result.accuracy, perClassAccuracy: result.perClassAccuracy };
    },
    dispose() {
      features?.dispose();
      features = undefined;
    },
  };
}
