/**
 * CLIP preprocessing and training augmentation. Both turn uint8 RGB images into a float32 NCHW batch
 * normalised with CLIP's mean and std, ready for the image encoder at any resolution.
 */
import * as tf from "@tensorflow/tfjs";
import type { Rng } from "../tensor/rng.js";
import { dataErrors } from "./errors.js";
import type { RgbImage } from "./image.js";
import { cropImage, flipHorizontal, resizeImage, type ResampleFilter } from "./resample.js";

export const CLIP_MEAN = [0.48145466, 0.4578275, 0.40821073] as const;
export const CLIP_STD = [0.26862954, 0.26130258, 0.27577711] as const;

/** A float32 batch, [n, 3, resolution, resolution] (NCHW). */
export interface ImageBatch {
  readonly data: Float32Array;
  readonly shape: [number, number, number, number];
}

export interface PreprocessOptions {
  /** Output side in pixels (the encoder's input resolution). */
  readonly resolution: number;
  readonly mean?: readonly number[];
  readonly std?: readonly number[];
  readonly filter?: ResampleFilter;
}

export interface AugmentOptions extends PreprocessOptions {
  /** Range of the crop's area as a fraction of the image (torchvision RandomResizedCrop). Default [0.08, 1]. */
  readonly scale?: readonly [number, number];
  /** Range of the crop's aspect ratio. Default [3/4, 4/3]. */
  readonly ratio?: readonly [number, number];
  /** Probability of a horizontal flip. Default 0.5. */
  readonly flipProbability?: number;
}

function checkResolution(resolution: number): void {
  if (!Number.isInteger(resolution) || resolution < 1) {
    throw dataErrors.make("VLP_DATA_BAD_OPTION", `resolution must be a positive integer, got ${resolution}`);
  }
}

/** Resize the shorter side to `size` (bicubic), keeping the aspect ratio (torchvision Resize(int)). */
export function resizeShorterSide(image: RgbImage, size: number, filter: ResampleFilter = "bicubic"): RgbImage {
  const { width, height } = image;
  if (width <= height) {
    return resizeImage(image, size, Math.trunc((size * height) / width), filter);
  }
  return resizeImage(image, Math.trunc((size * width) / height), size, filter);
}

/** Centre crop to size x size (torchvision CenterCrop rounding). Pads with black if the image is smaller. */
export function centreCrop(image: RgbImage, size: number): RgbImage {
  if (image.width < size || image.height < size) {
    const padded = new Uint8Array(size * size * 3);
    const left = Math.floor((size - image.width) / 2);
    const top = Math.floor((size - image.height) / 2);
    for (let y = 0; y < Math.min(size, image.height); y++) {
      for (let x = 0; x < Math.min(size, image.width); x++) {
        padded.set(image.data.subarray((y * image.width + x) * 3, (y * image.width + x) * 3 + 3),
          ((y + Math.max(top, 0)) * size + x + Math.max(left, 0)) * 3);
      }
    }
    return { width: size, height: size, data: padded };
  }
  const top = Math.round((image.height - size) / 2);
  const left = Math.round((image.width - size) / 2);
  return cropImage(image, left, top, size, size);
}

/** Write one square RGB image into a batch at position n, normalised, as CHW. */
function writeNormalised(batch: Float32Array, n: number, image: RgbImage, mean: readonly number[], std: readonly number[]): void {
  const plane = image.width * image.height;
  const offset = n * 3 * plane;
  for (let p = 0; p < plane; p++) {
    for (let c = 0; c < 3; c++) {
      batch[offset + c * plane + p] = (image.data[p * 3 + c]! / 255 - mean[c]!) / std[c]!;
    }
  }
}

/** CLIP's test-time preprocessing: resize shorter side (bicubic), centre crop, scale to [0,1], normalise. */
export function clipPreprocess(images: readonly RgbImage[], options: PreprocessOptions): ImageBatch {
  const { resolution, mean = CLIP_MEAN, std = CLIP_STD, filter = "bicubic" } = options;
  checkResolution(resolution);
  const data = new Float32Array(images.length * 3 * resolution * resolution);
  images.forEach((image, n) => {
    const square = centreCrop(resizeShorterSide(image, resolution, filter), resolution);
    writeNormalised(data, n, square, mean, std);
  });
  return { data, shape: [images.length, 3, resolution, resolution] };
}

/** torchvision RandomResizedCrop.get_params, drawing from the given Rng. */
export function randomResizedCropBox(
  rng: Rng,
  width: number,
  height: number,
  scale: readonly [number, number] = [0.08, 1],
  ratio: readonly [number, number] = [3 / 4, 4 / 3],
): { x: number; y: number; width: number; height: number } {
  const area = width * height;
  const logRatio = [Math.log(ratio[0]), Math.log(ratio[1])] as const;
  for (let attempt = 0; attempt < 10; attempt++) {
    const targetArea = area * rng.uniform(scale[0], scale[1]);
    const aspect = Math.exp(rng.uniform(logRatio[0], logRatio[1]));
    const w = Math.round(Math.sqrt(targetArea * aspect));
    const h = Math.round(Math.sqrt(targetArea / aspect));
    if (w > 0 && h > 0 && w <= width && h <= height) {
      return { x: rng.int(width - w + 1), y: rng.int(height - h + 1), width: w, height: h };
    }
  }
  const inRatio = width / height;
  let w = width;
  let h = height;
  if (inRatio < ratio[0]) h = Math.round(w / ratio[0]);
  else if (inRatio > ratio[1]) w = Math.round(h * ratio[1]);
  return { x: Math.floor((width - w) / 2), y: Math.floor((height - h) / 2), width: w, height: h };
}

/** One augmented view: random resized crop to resolution (bicubic), then a random horizontal flip. */
export function augmentImage(rng: Rng, image: RgbImage, options: AugmentOptions): RgbImage {
  const { resolution, filter = "bicubic", scale, ratio, flipProbability = 0.5 } = options;
  const box = randomResizedCropBox(rng, image.width, image.height, scale, ratio);
  const resized = resizeImage(image, resolution, resolution, filter, box);
  return rng.next() < flipProbability ? flipHorizontal(resized) : resized;
}

/**
 * Training augmentation (random resized crop + flip, as CoOp's Dassl config), normalised NCHW.
 * Deterministic: the same Rng state gives the same batch.
 */
export function augment(rng: Rng, images: readonly RgbImage[], options: AugmentOptions): ImageBatch {
  const { resolution, mean = CLIP_MEAN, std = CLIP_STD } = options;
  checkResolution(resolution);
  const data = new Float32Array(images.length * 3 * resolution * resolution);
  images.forEach((image, n) => writeNormalised(data, n, augmentImage(rng, image, options), mean, std));
  return { data, shape: [images.length, 3, resolution, resolution] };
}

/** The batch as a tf.Tensor4D [n, 3, r, r]; the caller owns (and disposes) it. */
export function batchToTensor(batch: ImageBatch): tf.Tensor4D {
  return tf.tensor4d(batch.data, batch.shape, "float32");
}
