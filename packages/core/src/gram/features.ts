/**
 * The meta-training corpus as GRAM reads it, and its frozen-backbone features (computed once per corpus and
 * backbone: kept in memory, and on disk when a cache directory is given).
 */
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { createHash } from "node:crypto";
import * as tf from "@tensorflow/tfjs";
import { embedTokens, encodeImage, encodeText } from "../clip/encoders.js";
import type { Backbone } from "../method/contract.js";
import { encodeSafetensors, parseSafetensors } from "../tensor/safetensors.js";
import type { ImageTextCorpus } from "../data/corpus.js";
import { clipPreprocess } from "../data/transforms.js";
import { backboneHash } from "./backbone-hash.js";
import { gramErrors } from "./errors.js";

/**
 * Image-caption pairs for meta-training (the data layer's image-text corpus adapts to this). Images come
 * already preprocessed for the backbone (resized, CLIP-normalised): [3, resolution, resolution].
 */
export interface MetaCorpus {
  /** A name for checkpoints and caches (e.g. "builtin" or a file path). */
  readonly name: string;
  readonly size: number;
  /** The preprocessed image of pair `index`; the caller disposes it. */
  image(index: number): tf.Tensor3D | Promise<tf.Tensor3D>;
  /** The caption of pair `index`. */
  caption(index: number): string;
}

export interface CorpusFeatures {
  readonly size: number;
  readonly embedDim: number;
  /** Raw (unnormalised) frozen image features [size, embedDim]: what the forward pass takes when cached. */
  readonly image: Float32Array;
  /** Raw frozen text features of the captions [size, embedDim]. */
  readonly text: Float32Array;
  readonly captions: readonly string[];
}

/**
 * The data layer's image-text corpus (raw images, templated captions) as a MetaCorpus for `backbone`: images
 * CLIP-preprocessed (resize shorter side, centre crop, normalise) at the encoder's resolution; the canonical
 * caption (no random template) of each pair.
 */
export function metaCorpusFrom(corpus: ImageTextCorpus, backbone: Backbone): MetaCorpus {
  const resolution = backbone.model.config.imageResolution;
  return {
    name: corpus.name,
    size: corpus.size,
    image: async (index) => {
      const batch = clipPreprocess([await corpus.image(index)], { resolution });
      return tf.tensor3d(batch.data, [3, resolution, resolution]);
    },
    caption: (index) => corpus.caption(index),
  };
}

const batchSize = 32;

/** Token ids of a caption, cut to the text encoder's context, padded with 0. */
export function captionTokens(backbone: Backbone, caption: string): number[] {
  const { tokenizer, model } = backbone;
  const length = model.config.contextLength;
  const ids = [tokenizer.sotToken, ...tokenizer.encode(caption).slice(0, length - 2), tokenizer.eotToken];
  return [...ids, ...Array(length - ids.length).fill(0)];
}

async function imageFeatures(backbone: Backbone, corpus: MetaCorpus, start: number, count: number): Promise<Float32Array> {
  const images: tf.Tensor3D[] = [];
  try {
    for (let i = start; i < start + count; i++) images.push(await corpus.image(i));
    return tf.tidy(() => encodeImage(backbone.model.weights, tf.stack(images) as tf.Tensor4D).dataSync() as Float32Array);
  } finally {
    tf.dispose(images);
  }
}

function textFeatures(backbone: Backbone, captions: readonly string[]): Float32Array {
  return tf.tidy(() => {
    const ids = captions.map((caption) => captionTokens(backbone, caption));
    const eotIndices = ids.map((row) => row.indexOf(backbone.tokenizer.eotToken));
    const embeddings = embedTokens(backbone.model.weights, ids);
    return encodeText(backbone.model.weights, { embeddings, eotIndices }).dataSync() as Float32Array;
  });
}

async function computeFeatures(backbone: Backbone, corpus: MetaCorpus): Promise<CorpusFeatures> {
  const embedDim = backbone.model.config.embedDim;
  const image = new Float32Array(corpus.size * embedDim);
  const text = new Float32Array(corpus.size * embedDim);
  const captions = Array.from({ length: corpus.size }, (_, i) => corpus.caption(i));
  for (let start = 0; start < corpus.size; start += batchSize) {
    const count = Math.min(batchSize, corpus.size - start);
    image.set(await imageFeatures(backbone, corpus, start, count), start * embedDim);
    text.set(textFeatures(backbone, captions.slice(start, start + count)), start * embedDim);
  }
  return { size: corpus.size, embedDim, image, text, captions };
}

function cacheKey(backbone: Backbone, corpus: MetaCorpus, captions: readonly string[]): string {
  const hash = createHash("sha256").update(backboneHash(backbone.model)).update(corpus.name).update(String(corpus.size));
  for (const caption of captions) hash.update(caption).update("\n");
  return hash.digest("hex").slice(0, 24);
}

function readCache(path: string, captions: readonly string[]): CorpusFeatures | null {
  if (!existsSync(path)) return null;
  const bytes = readFileSync(path);
  const { tensors } = parseSafetensors(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength), path);
  const image = tensors.get("image");
  const text = tensors.get("text");
  if (!image || !text) return null;
  return { size: image.shape[0]!, embedDim: image.shape[1]!, image: image.data as Float32Array, text: text.data as Float32Array, captions };
}

const memory = new WeakMap<object, WeakMap<MetaCorpus, CorpusFeatures>>();

/**
 * Frozen image and caption features of every pair: from memory, from `cacheDir` (a safetensors file keyed
 * by the backbone hash and the captions), or computed (batches of 32) and stored in both.
 */
export async function corpusFeatures(backbone: Backbone, corpus: MetaCorpus, cacheDir?: string): Promise<CorpusFeatures> {
  if (!Number.isInteger(corpus.size) || corpus.size < 2) {
    throw gramErrors.make("VLP_GRAM_CORPUS", `corpus "${corpus.name}" has ${corpus.size} pairs; meta-training needs many`);
  }
  const perModel = memory.get(backbone.model) ?? new WeakMap<MetaCorpus, CorpusFeatures>();
  memory.set(backbone.model, perModel);
  const known = perModel.get(corpus);
  if (known) return known;
  let features: CorpusFeatures | null = null;
  const captions = Array.from({ length: corpus.size }, (_, i) => corpus.caption(i));
  const path = cacheDir ? join(cacheDir, `gram-features-${cacheKey(backbone, corpus, captions)}.safetensors`) : null;
  if (path) features = readCache(path, captions);
  if (!features) {
    features = await computeFeatures(backbone, corpus);
    if (path) {
      mkdirSync(cacheDir!, { recursive: true });
      const shape = [features.size, features.embedDim];
      writeFileSync(`${path}.tmp-${process.pid}`, encodeSafetensors({ image: { shape, data: features.image }, text: { shape, data: features.text } }));
      renameSync(`${path}.tmp-${process.pid}`, path);
    }
  }
  perModel.set(corpus, features);
  return features;
}

/** Rows of `data` [n, d] scaled to unit L2 norm (a copy). */
export function normalizedRows(data: Float32Array, n: number, d: number): Float32Array {
  const out = new Float32Array(n * d);
  for (let i = 0; i < n; i++) {
    let sum = 0;
    for (let t = 0; t < d; t++) sum += data[i * d + t]! ** 2;
    const scale = 1 / Math.max(Math.sqrt(sum), 1e-12);
    for (let t = 0; t < d; t++) out[i * d + t] = data[i * d + t]! * scale;
  }
  return out;
}
