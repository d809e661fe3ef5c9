/**
 * From dataset items to encoder input: decode the images of a batch, then CLIP's test preprocessing or the seeded
 * training augmentation (random resized crop + flip), as an NCHW float32 tensor at the encoder's resolution.
 */
import * as tf from "@tensorflow/tfjs";
import type { ClassificationDataset } from "../data/dataset.js";
import type { RgbImage } from "../data/image.js";
import { augment, batchToTensor, clipPreprocess } from "../data/transforms.js";
import type { Rng } from "../tensor/rng.js";

/** The images of these items (awaiting the ones a dataset decodes lazily). */
export async function imagesAt(dataset: ClassificationDataset, indices: readonly number[]): Promise<RgbImage[]> {
  return Promise.all(indices.map((i) => dataset.image(i)));
}

export interface PixelOptions {
  /** The image encoder's input side in pixels. */
  readonly resolution: number;
  /** Draw a random view per image from this Rng (training augmentation); test preprocessing when absent. */
  readonly augmentRng?: Rng;
}

/** Encoder input [n, 3, r, r] for the given images; the caller owns the tensor. */
export function pixelsOf(images: readonly RgbImage[], options: PixelOptions): tf.Tensor4D {
  const { resolution, augmentRng } = options;
  const batch = augmentRng ? augment(augmentRng, images, { resolution }) : clipPreprocess(images, { resolution });
  return batchToTensor(batch);
}

/** Labels of these items as an int32 tensor [n]; the caller owns it. */
export function labelsOf(labels: Int32Array, indices: readonly number[]): tf.Tensor1D {
  return tf.tensor1d(Int32Array.from(indices, (i) => labels[i]!), "int32");
}
