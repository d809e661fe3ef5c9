import * as tf from "@tensorflow/tfjs";
import { clipLogits, encodeImage, encodeText } from "../clip/encoders.js";
import type { Backbone, PromptLearner } from "./contract.js";
import { methodErrors } from "./errors.js";

/** A batch as the forward pass takes it: images, or image features cached from the frozen encoder. */
export interface ForwardBatch {
  readonly images?: tf.Tensor4D; // [batch, 3, res, res], normalised
  readonly imageFeatures?: tf.Tensor2D; // [batch, embed], raw (only for learners without vision prompts)
}

export interface ForwardResult {
  readonly logits: tf.Tensor2D; // [batch, classes]
  readonly imageFeatures: tf.Tensor2D; // [batch, embed], raw
  readonly textFeatures: tf.Tensor; // [classes, embed] or [batch, classes, embed], raw
}

/** True when the learner leaves the image encoder untouched, so image features can be computed once. */
export function canCacheImageFeatures(learner: PromptLearner): boolean {
  return learner.vision === undefined;
}

/**
 * The frozen image encoder as one opaque op: inside a gradient scope tfjs would otherwise record every kernel of
 * it and keep all its activations until the backward pass, for a branch no gradient flows into (the inputs are
 * images). Its gradient is never requested; it is defined as zero for completeness.
 */
const frozenImageFeatures = (backbone: Backbone) =>
  tf.customGrad(((images: tf.Tensor4D) => ({
    value: encodeImage(backbone.model.weights, images),
    gradFunc: () => tf.zerosLike(images),
  })) as any) as unknown as (images: tf.Tensor4D) => tf.Tensor2D;

export function imageFeaturesOf(backbone: Backbone, learner: PromptLearner, batch: ForwardBatch): tf.Tensor2D {
  if (batch.images && canCacheImageFeatures(learner)) return frozenImageFeatures(backbone)(batch.images);
  if (batch.images) return encodeImage(backbone.model.weights, batch.images, learner.vision?.(), learner.injection);
  if (!batch.imageFeatures) throw methodErrors.make("VLP_METHOD_INPUT", "the batch has neither images nor image features");
  if (!canCacheImageFeatures(learner)) {
    throw methodErrors.make("VLP_METHOD_INPUT", "this learner prompts the image encoder, so it needs images, not cached features");
  }
  return tf.clone(batch.imageFeatures);
}

/**
 * Per-image text passes (CoCoOp: every class prompt for every image) run on at most this many floats of
 * [sequences, tokens, width] input at once; larger batches go through the text encoder a few images at a time, so
 * evaluating 100 images x 77 classes no longer exhausts the wasm heap. Each sequence is encoded independently, so
 * the result is the same either way.
 */
export const perImageTextFloats = 1 << 22;

/**
 * Text features for the learner's current prompts: [classes, embed], or [batch, classes, embed] per image.
 * `maxTextFloats` bounds one per-image text pass (default perImageTextFloats).
 */
export function textFeaturesOf(backbone: Backbone, learner: PromptLearner, imageFeatures?: tf.Tensor2D, maxTextFloats = perImageTextFloats): tf.Tensor {
  return tf.tidy(() => {
    const images = learner.conditionsOnImage ? imageFeatures : undefined;
    const side = learner.text(images);
    if (side.kind === "features") return side.features;
    if (!side.perImage) return encodeText(backbone.model.weights, side.input, learner.injection);
    const batch = images!.shape[0];
    const [sequences, tokens, width] = side.input.embeddings.shape;
    if (batch > 1 && sequences * tokens * width > maxTextFloats) {
      tf.dispose(side.input.embeddings);
      return inImageChunks(backbone, learner, images!, Math.max(1, Math.floor((maxTextFloats * batch) / (sequences * tokens * width))));
    }
    const features = encodeText(backbone.model.weights, side.input, learner.injection);
    return tf.reshape(features, [batch, sequences / batch, features.shape[1]]);
  });
}

/** The per-image text pass `imagesPerPass` images at a time: [batch, classes, embed]. */
function inImageChunks(backbone: Backbone, learner: PromptLearner, images: tf.Tensor2D, imagesPerPass: number): tf.Tensor {
  const [batch, embed] = images.shape;
  const parts: tf.Tensor[] = [];
  for (let start = 0; start < batch; start += imagesPerPass) {
    const count = Math.min(imagesPerPass, batch - start);
    parts.push(tf.tidy(() => textFeaturesOf(backbone, learner, tf.slice(images, [start, 0], [count, embed]), Infinity)));
  }
  return tf.concat(parts, 0);
}

/** The CLIP forward pass with the learner's prompts injected. Every returned tensor belongs to the caller. */
export function forward(backbone: Backbone, learner: PromptLearner, batch: ForwardBatch): ForwardResult {
  return tf.tidy(() => {
    const imageFeatures = imageFeaturesOf(backbone, learner, batch);
    const textFeatures = textFeaturesOf(backbone, learner, imageFeatures);
    const logits = clipLogits(imageFeatures, textFeatures, backbone.model.weights.logitScale);
    return { logits, imageFeatures, textFeatures };
  });
}

/** Mean cross-entropy of the logits plus the learner's extra loss terms (the training objective). */
export function trainingLoss(backbone: Backbone, learner: PromptLearner, batch: ForwardBatch, labels: tf.Tensor1D): tf.Scalar {
  return tf.tidy(() => {
    const result = forward(backbone, learner, batch);
    const classes = result.logits.shape[1];
    const crossEntropy = tf.losses.softmaxCrossEntropy(tf.oneHot(tf.cast(labels, "int32"), classes), result.logits) as tf.Scalar;
    const extra = learner.extraLoss?.({ ...result, labels });
    return extra ? (tf.add(crossEntropy, extra) as tf.Scalar) : crossEntropy;
  });
}
