/**
 * The feature cache: when a learner leaves the image encoder alone (no vision prompts: CoOp, CoCoOp, text-only
 * methods), image features do not change while it trains, so each image is encoded once and every step reads
 * the cached rows. With augmentation on, the cache holds `views` augmented copies of the training set, view v
 * drawn from `augmentRng.fork("view-<v>")`; epoch k trains on view k mod views. With augmentation off there is
 * one view (the test preprocessing) and training gives the same loss as encoding every batch.
 */
import * as tf from "@tensorflow/tfjs";
import type { ClassificationDataset } from "../data/dataset.js";
import type { Backbone, PromptLearner } from "../method/contract.js";
import { imageFeaturesOf } from "../method/forward.js";
import type { Rng } from "../tensor/rng.js";
import { imagesAt, pixelsOf } from "./images.js";
import { trainErrors } from "./errors.js";

export interface EncodeOptions {
  /** Images per encoder call. */
  readonly batchSize: number;
  /** One random view per image from this Rng, in item order; test preprocessing when absent. */
  readonly augmentRng?: Rng;
  readonly signal?: AbortSignal;
}

function checkSignal(signal: AbortSignal | undefined, what: string): void {
  if (signal?.aborted) throw trainErrors.make("VLP_TRAIN_ABORTED", `interrupted while ${what}`);
}

/** Raw image features [items, embed] of a whole dataset through the learner's (unprompted) image path. */
export async function encodeDataset(
  backbone: Backbone,
  learner: PromptLearner,
  dataset: ClassificationDataset,
  options: EncodeOptions,
): Promise<tf.Tensor2D> {
  const resolution = backbone.model.config.imageResolution;
  const parts: tf.Tensor2D[] = [];
  try {
    for (let start = 0; start < dataset.size; start += options.batchSize) {
      checkSignal(options.signal, `encoding ${dataset.name}`);
      const indices = Array.from({ length: Math.min(options.batchSize, dataset.size - start) }, (_, i) => start + i);
      const images = await imagesAt(dataset, indices);
      parts.push(
        tf.tidy(() => imageFeaturesOf(backbone, learner, { images: pixelsOf(images, { resolution, augmentRng: options.augmentRng }) })),
      );
    }
    if (parts.length === 0) return tf.zeros([0, backbone.model.config.embedDim]);
    return parts.length === 1 ? parts.pop()! : tf.concat(parts, 0);
  } finally {
    tf.dispose(parts);
  }
}

export interface FeatureCacheOptions {
  readonly backbone: Backbone;
  readonly learner: PromptLearner;
  readonly dataset: ClassificationDataset;
  /** Augmented views to cache; ignored (one view) without `augmentRng`. */
  readonly views: number;
  readonly augmentRng?: Rng;
  /** Images per encoder call while filling the cache. */
  readonly encodeBatchSize: number;
  readonly signal?: AbortSignal;
}

/** Cached training features, one tensor [items, embed] per view, built on first use. Dispose it when done. */
export class FeatureCache {
  private readonly cached: (tf.Tensor2D | undefined)[];

  constructor(private readonly options: FeatureCacheOptions) {
    const views = options.augmentRng ? Math.max(1, Math.floor(options.views)) : 1;
    this.cached = Array.from({ length: views }, () => undefined);
  }

  get viewCount(): number {
    return this.cached.length;
  }

  /** The view epoch `epoch` trains on, encoding it now if it is not cached yet. */
  async viewFor(epoch: number): Promise<tf.Tensor2D> {
    const index = epoch % this.cached.length;
    const known = this.cached[index];
    if (known) return known;
    const { backbone, learner, dataset, augmentRng, encodeBatchSize, signal } = this.options;
    const features = await encodeDataset(backbone, learner, dataset, {
      batchSize: encodeBatchSize,
      augmentRng: augmentRng?.fork(`view-${index}`),
      signal,
    });
    this.cached[index] = features;
    return features;
  }

  /** Rows of a view for one batch [batch, embed]; the caller owns the result. */
  static rows(view: tf.Tensor2D, indices: readonly number[]): tf.Tensor2D {
    return tf.tidy(() => tf.gather(view, tf.tensor1d(Int32Array.from(indices), "int32")));
  }

  /** Number of views encoded so far. */
  get encodedViews(): number {
    return this.cached.filter(Boolean).length;
  }

  dispose(): void {
    tf.dispose(this.cached.filter((t): t is tf.Tensor2D => t !== undefined));
    this.cached.fill(undefined);
  }
}
