import { createHash } from "node:crypto";
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import * as tf from "@tensorflow/tfjs";
import { WordTokenizer } from "../clip/tokenizer.js";
import type { ClipConfig } from "../clip/config.js";
import { loadCorpus, splitCorpus, type ImageTextCorpus } from "../data/corpus.js";
import { backboneErrors } from "./backbone.js";
import { captionVocabulary, defaultBackboneConfig } from "./default-backbone.js";
import { pretrainClip, saveClipWeights, type PretrainProgress } from "./pretrain.js";

/** The shipped default backbone's recipe (docs/backbone.md): what every unstated option below falls back to. */
export const defaultPretrainRecipe: PretrainRecipe = { steps: 6000, batchSize: 128, lr: 1e-3, emojiShare: 0.5, sceneProbability: 0.8, greyProbability: 0 };

export interface PretrainRecipe {
  readonly steps: number;
  readonly batchSize: number;
  readonly lr: number;
  readonly emojiShare: number | null;
  readonly sceneProbability: number;
  readonly greyProbability: number;
}

export interface PretrainDefaultOptions {
  /** Where model.safetensors, vocab.json, training.json and checkpoint/ go. */
  readonly outDir: string;
  readonly steps?: number;
  readonly batchSize?: number;
  readonly lr?: number;
  readonly seed?: number;
  readonly cacheDir?: string;
  /** Pairs held out of pretraining for GRAM meta-training (disjoint, same split everywhere). */
  readonly metaSize?: number;
  readonly config?: Partial<ClipConfig>;
  readonly checkpointEvery?: number;
  /**
   * Share of the drawn pairs that are emoji (the corpus is ~15% emoji, the rest icons). null draws
   * pairs uniformly. A data-mixing weight, as web-scale CLIP corpora balance their sources.
   */
  readonly emojiShare?: number | null;
  /** Share of drawn images shown as seeded scenes, like the downstream datasets' items. */
  readonly sceneProbability?: number;
  /** Share of drawn images turned grey before cropping. */
  readonly greyProbability?: number;
  readonly onProgress?: (progress: PretrainProgress) => void;
}

/**
 * Pretrain the default backbone on the built-in corpus (its pretraining part) and write it as shipped:
 * float16 weights with openai names, the word vocabulary, and a training record. Resumes from outDir/checkpoint.
 */
export async function pretrainDefaultBackbone(options: PretrainDefaultOptions): Promise<{ losses: number[]; seconds: number }> {
  const started = Date.now();
  const seed = options.seed ?? 0;
  const corpus = loadCorpus({ cacheDir: options.cacheDir });
  const { pretrain } = splitCorpus(corpus, { metaSize: options.metaSize ?? 20000, seed });
  const words = captionVocabulary(pretrain, { seed });
  const tokenizer = WordTokenizer.fromWords(words);
  const config: ClipConfig = { ...defaultBackboneConfig, ...options.config, vocabSize: tokenizer.vocabSize };
  await mkdir(options.outDir, { recursive: true });
  await writeFile(join(options.outDir, "vocab.json"), JSON.stringify(words));
  const defined = Object.fromEntries(Object.entries(options).filter(([, value]) => value !== undefined));
  const { steps, batchSize, lr, emojiShare, sceneProbability, greyProbability }: PretrainRecipe = { ...defaultPretrainRecipe, ...defined };
  const sampleWeights = emojiShare === null ? undefined : emojiWeights(pretrain, emojiShare);
  const result = await pretrainClip({
    config, tokenizer, corpus: pretrain, steps, batchSize, lr, seed, sampleWeights, sceneProbability, greyProbability,
    checkpointDir: join(options.outDir, "checkpoint"), checkpointEvery: options.checkpointEvery ?? 100, onProgress: options.onProgress,
  });
  const seconds = (Date.now() - started) / 1000;
  await saveClipWeights(join(options.outDir, "model.safetensors"), result.weights, config, "F16", { "vlprompt.name": "default" });
  const record = {
    config, seed, steps, batchSize, lr, emojiShare, sceneProbability, greyProbability,
    corpus: { name: pretrain.name, pairs: pretrain.size, heldOutForMetaTraining: corpus.size - pretrain.size, hash: corpusHash(pretrain) },
    vocabularyWords: words.length, backend: tf.getBackend(), secondsThisSitting: seconds, resumedFrom: result.resumedFrom,
    losses: result.losses,
  };
  await writeFile(join(options.outDir, "training.json"), JSON.stringify(record, null, 1));
  tf.dispose(Object.values(result.weights));
  return { losses: result.losses, seconds };
}

/** Per-pair sampling weights that make emoji pairs `share` of the draws (uniform within emoji and within icons). */
export function emojiWeights(corpus: ImageTextCorpus, share: number): number[] {
  if (!(share > 0 && share < 1)) throw backboneErrors.make("VLP_PRETRAIN_OPTION", `emojiShare must be in (0, 1), or null to draw pairs uniformly; got ${share}`);
  const isEmoji = Array.from({ length: corpus.size }, (_, i) => corpus.concept(i)?.startsWith("emoji:") === true);
  const emojiCount = isEmoji.filter(Boolean).length;
  if (emojiCount === 0 || emojiCount === corpus.size) return isEmoji.map(() => 1);
  return isEmoji.map((emoji) => (emoji ? share / emojiCount : (1 - share) / (corpus.size - emojiCount)));
}

/**
 * SHA-256 over the pairs in order: each pair's domain, concept and canonical caption, and the first 64 bytes of its
 * image. Two corpora with the same hash hold the same pairs (the random caption templates come from captions.json).
 */
export function corpusHash(corpus: ImageTextCorpus): string {
  const hash = createHash("sha256");
  for (let i = 0; i < corpus.size; i++) {
    const image = corpus.image(i);
    const pixels = image instanceof Promise ? new Uint8Array(0) : image.data.subarray(0, 64);
    hash.update(`${corpus.domain(i)}\t${corpus.concept(i) ?? ""}\t${corpus.caption(i)}\n`).update(pixels);
  }
  return hash.digest("hex");
}
