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

/** Text features for the learner's current prompts: [classes, embed], or [batch, classes, embed] per image. */
export function textFeaturesOf(backbone: Backbone, learner: PromptLearner, imageFeatures?: tf.Tensor2D): tf.Tensor {
  return tf.tidy(() => {
    const side = learner.text(learner.conditionsOnImage ? imageFeatures : undefined);
    if (side.kind === "features") return side.features;
    const features = encodeText(backbone.model.weights, side.input, learner.injection);
    if (!side.perImage) return features;
    const batch = imageFeatures!.shape[0];
    return tf.reshape(features, [batch, features.shape[0] / batch, features.shape[1]]);
  });
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
