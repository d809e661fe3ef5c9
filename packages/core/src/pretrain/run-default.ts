import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import * as tf from "@tensorflow/tfjs";
import { WordTokenizer } from "../clip/tokenizer.js";
import type { ClipConfig } from "../clip/config.js";
import { loadCorpus, splitCorpus } from "../data/corpus.js";
import { captionVocabulary, defaultBackboneConfig } from "./default-backbone.js";
import { pretrainClip, saveClipWeights, type PretrainProgress } from "./pretrain.js";

export interface PretrainDefaultOptions {
  /** Where model.safetensors, vocab.json, training.json and checkpoint/ go. */
  readonly outDir: string;
  readonly steps: number;
  readonly batchSize: number;
  readonly lr?: number;
  readonly seed?: number;
  readonly cacheDir?: string;
  /** Pairs held out of pretraining for GRAM meta-training (disjoint, same split everywhere). */
  readonly metaSize?: number;
  readonly config?: Partial<ClipConfig>;
  readonly checkpointEvery?: number;
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
  const words = captionVocabulary(pretrain, { maxWords: 4000, seed });
  const tokenizer = WordTokenizer.fromWords(words);
  const config: ClipConfig = { ...defaultBackboneConfig, ...options.config, vocabSize: tokenizer.vocabSize };
  await mkdir(options.outDir, { recursive: true });
  await writeFile(join(options.outDir, "vocab.json"), JSON.stringify(words));
  const result = await pretrainClip({
    config, tokenizer, corpus: pretrain, steps: options.steps, batchSize: options.batchSize, lr: options.lr ?? 1e-3,
    seed, checkpointDir: join(options.outDir, "checkpoint"), checkpointEvery: options.checkpointEvery ?? 100,
    onProgress: options.onProgress,
  });
  const seconds = (Date.now() - started) / 1000;
  await saveClipWeights(join(options.outDir, "model.safetensors"), result.weights, config, "F16", { "vlprompt.name": "default" });
  const record = {
    config, seed, steps: options.steps, batchSize: options.batchSize, lr: options.lr ?? 1e-3,
    corpus: { name: pretrain.name, pairs: pretrain.size, heldOutForMetaTraining: corpus.size - pretrain.size },
    vocabularyWords: words.length, backend: tf.getBackend(), secondsThisSitting: seconds, resumedFrom: result.resumedFrom,
    losses: result.losses,
  };
  await writeFile(join(options.outDir, "training.json"), JSON.stringify(record, null, 1));
  tf.dispose(Object.values(result.weights));
  return { losses: result.losses, seconds };
}
