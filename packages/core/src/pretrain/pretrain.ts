import * as tf from "@tensorflow/tfjs";
import { mkdir, readFile, writeFile, rename } from "node:fs/promises";
import { existsSync } from "node:fs";
import { join } from "node:path";
import type { ClipConfig } from "../clip/config.js";
import { clipLogits, embedTokens, encodeImage, encodeText } from "../clip/encoders.js";
import { prepareWeights } from "../clip/weights.js";
import { augment, batchToTensor } from "../data/transforms.js";
import { toGrey } from "../data/resample.js";
import type { RgbImage } from "../data/image.js";
import { readSafetensors, writeSafetensors, type TensorToWrite } from "../tensor/safetensors.js";
import { Rng } from "../tensor/rng.js";
import { chain, createOptimizer, scaleByAdam, scaleByLearningRate, statelessTransform, clipByGlobalNorm, type Optimizer } from "../train/optim/index.js";
import { warmupCosine } from "../train/schedule.js";
import { initClipWeights } from "./init.js";
import { backboneErrors } from "./backbone.js";

/** Image-caption pairs to pretrain on (the built-in corpus, or a user's JSONL/CSV pairs). */
export interface PretrainCorpus {
  readonly size: number;
  image(index: number): RgbImage | Promise<RgbImage>;
  /** The image drawn as a seeded scene (see ImageTextCorpus.scene); used with `sceneProbability`. */
  scene?(index: number, seed: number): RgbImage | Promise<RgbImage>;
  caption(index: number, rng: Rng): string;
}

export interface CaptionTokenizer {
  readonly eotToken: number;
  tokenize(texts: readonly string[], contextLength?: number, truncate?: boolean): number[][];
}

export interface PretrainOptions {
  readonly config: ClipConfig;
  readonly tokenizer: CaptionTokenizer;
  readonly corpus: PretrainCorpus;
  readonly steps: number;
  readonly batchSize: number;
  readonly lr?: number; // peak AdamW lr (default 5e-4)
  readonly warmupSteps?: number; // default 5% of steps
  readonly weightDecay?: number; // decoupled, matrices only (default 0.1)
  readonly seed?: number;
  /** Folder for resumable checkpoints (last weights, optimizer state, progress). */
  readonly checkpointDir?: string;
  readonly checkpointEvery?: number; // steps, default 200
  /** Random resized crop scale range for augmentation (default [0.6, 1]); null turns augmentation off. */
  readonly cropScale?: readonly [number, number] | null;
  /**
   * Probability that a drawn pair's image is the corpus's seeded scene rather than the plain artwork (default 0;
   * needs `corpus.scene`). Scenes carry the downstream datasets' backgrounds, scales and rotations.
   */
  readonly sceneProbability?: number;
  /**
   * Probability that a drawn image is turned grey (ITU-R 601 luma in all three channels) before cropping (default 0).
   * Meant to let grey drawings and photos (monotone emoji, Fashion-MNIST) share features with coloured ones; at 0.2
   * it did not lift them on the default backbone (docs/backbone.md, v3 experiment).
   */
  readonly greyProbability?: number;
  /** Relative sampling weight of each pair (length corpus.size, all >= 0); pairs are drawn uniformly without it. */
  readonly sampleWeights?: readonly number[];
  readonly onProgress?: (progress: PretrainProgress) => void;
}

export interface PretrainProgress {
  readonly step: number;
  readonly steps: number;
  readonly loss: number;
  readonly lr: number;
  readonly logitScale: number;
  readonly elapsedMs: number;
}

export interface PretrainResult {
  readonly weights: Record<string, tf.Variable>; // openai names; the caller owns them
  readonly losses: number[]; // one per step, from step 0
  readonly step: number;
  readonly resumedFrom: number;
}

const MAX_LOGIT_SCALE = Math.log(100);
let nextRun = 0;

function decayMatrices(weightDecay: number) {
  return statelessTransform("decay-matrices", (grads, params) => {
    const out: Record<string, tf.Tensor> = {};
    for (const [name, grad] of Object.entries(grads)) {
      const p = params[name]!;
      out[name] = p.rank >= 2 && !name.includes("embedding") ? tf.add(grad, tf.mul(p, weightDecay)) : grad;
    }
    return out;
  });
}

function contrastiveLoss(vars: Record<string, tf.Variable>, config: ClipConfig, images: tf.Tensor4D, rows: number[][], eot: number): tf.Scalar {
  const weights = prepareWeights(vars, config);
  const imageFeatures = encodeImage(weights, images);
  const textFeatures = encodeText(weights, { embeddings: embedTokens(weights, rows), eotIndices: rows.map((r) => r.indexOf(eot)) });
  const logits = clipLogits(imageFeatures, textFeatures, weights.logitScale); // [batch, batch]
  const targets = tf.oneHot(tf.range(0, rows.length, 1, "int32"), rows.length);
  const imageToText = tf.losses.softmaxCrossEntropy(targets, logits);
  const textToImage = tf.losses.softmaxCrossEntropy(targets, tf.transpose(logits));
  return tf.div(tf.add(imageToText, textToImage), 2) as tf.Scalar;
}

/** Draws pair indices with replacement: uniformly, or by `sampleWeights` (inverse CDF over their running sums). */
export function pairSampler(size: number, weights?: readonly number[]): (rng: Rng) => number {
  if (!weights) return (rng) => rng.int(size);
  if (weights.length !== size || weights.some((w) => !(w >= 0))) {
    throw backboneErrors.make("VLP_PRETRAIN_OPTION", `sampleWeights must hold ${size} non-negative numbers (one per pair); got ${weights.length} values${weights.length === size ? " with a negative or NaN one" : ""}`);
  }
  const cumulative = new Float64Array(size);
  weights.reduce((sum, w, i) => (cumulative[i] = sum + w), 0);
  const total = cumulative[size - 1]!;
  if (!(total > 0)) throw backboneErrors.make("VLP_PRETRAIN_OPTION", "sampleWeights are all zero: no pair could be drawn");
  return (rng) => {
    const target = rng.next() * total;
    let low = 0;
    let high = size - 1;
    while (low < high) {
      const mid = (low + high) >> 1;
      if (cumulative[mid]! > target) high = mid;
      else low = mid + 1;
    }
    return low;
  };
}

/** The pair's plain image, or (with probability `sceneProbability`) a scene seeded from the batch's Rng. */
function drawImage(options: PretrainOptions, index: number, rng: Rng): RgbImage | Promise<RgbImage> {
  const probability = options.sceneProbability ?? 0;
  const { corpus } = options;
  if (probability <= 0 || !corpus.scene) return corpus.image(index);
  const seed = rng.int(2 ** 31);
  return rng.next() < probability ? corpus.scene(index, seed) : corpus.image(index);
}

function checkProbability(name: string, value: number): void {
  if (!(value >= 0 && value <= 1)) throw backboneErrors.make("VLP_PRETRAIN_OPTION", `${name} must be in [0, 1], got ${value}`);
}

async function loadBatch(options: PretrainOptions, step: number, draw: (rng: Rng) => number): Promise<{ images: tf.Tensor4D; rows: number[][] }> {
  const rng = new Rng(options.seed ?? 0).fork(`batch-${step}`);
  const indices = Array.from({ length: options.batchSize }, () => draw(rng));
  const drawn = await Promise.all(indices.map((i) => drawImage(options, i, rng)));
  const grey = options.greyProbability ?? 0;
  const pictures = grey > 0 ? drawn.map((image) => (rng.next() < grey ? toGrey(image) : image)) : drawn;
  const captions = indices.map((i) => options.corpus.caption(i, rng));
  const scale = options.cropScale === undefined ? ([0.6, 1] as const) : options.cropScale;
  const batch = augment(rng, pictures, {
    resolution: options.config.imageResolution,
    scale: scale ?? [1, 1],
    ratio: scale ? undefined : [1, 1],
    flipProbability: scale ? 0.5 : 0,
  });
  return { images: batchToTensor(batch), rows: options.tokenizer.tokenize(captions, options.config.contextLength, true) };
}

/**
 * Contrastive CLIP pretraining (symmetric InfoNCE over the batch, learnable logit scale clamped to ln 100,
 * AdamW with warm-up + cosine), in the same CLIP code the methods use. Resumes from `checkpointDir`.
 */
export async function pretrainClip(options: PretrainOptions): Promise<PretrainResult> {
  const { config, steps, checkpointDir } = options;
  checkProbability("sceneProbability", options.sceneProbability ?? 0);
  checkProbability("greyProbability", options.greyProbability ?? 0);
  const resumed = checkpointDir ? await loadCheckpoint(checkpointDir) : undefined;
  const init = resumed?.weights ?? initClipWeights(config, new Rng(options.seed ?? 0).fork("init"));
  const vars: Record<string, tf.Variable> = {};
  const run = nextRun++;
  for (const [name, t] of Object.entries(init)) vars[name] = tf.variable(tf.tensor(t.data, t.shape, "float32"), true, `clip${run}/${name}`);
  const schedule = warmupCosine({ peak: options.lr ?? 5e-4, warmupSteps: options.warmupSteps ?? Math.max(1, Math.round(steps * 0.05)), totalSteps: steps });
  const transform = chain(clipByGlobalNorm(1), scaleByAdam({ beta1: 0.9, beta2: 0.98, eps: 1e-6 }), decayMatrices(options.weightDecay ?? 0.1), scaleByLearningRate(schedule));
  const optimizer = createOptimizer(transform, vars);
  if (resumed) optimizer.load(resumed.optimizer);
  const losses = resumed?.losses ?? [];
  const started = Date.now();
  const resumedFrom = resumed?.step ?? 0;
  const draw = pairSampler(options.corpus.size, options.sampleWeights);
  try {
    for (let step = resumedFrom; step < steps; step++) {
      const loss = await trainStep(options, vars, optimizer, step, draw);
      if (!Number.isFinite(loss)) throw new Error(`pretraining loss became ${loss} at step ${step}`);
      losses.push(loss);
      const done = step + 1;
      options.onProgress?.({ step: done, steps, loss, lr: schedule.at(step), logitScale: Math.exp(vars.logit_scale!.dataSync()[0]!), elapsedMs: Date.now() - started });
      if (checkpointDir && (done % (options.checkpointEvery ?? 200) === 0 || done === steps)) {
        await saveCheckpoint(checkpointDir, vars, optimizer, losses, done, config);
      }
    }
  } catch (error) {
    tf.dispose(Object.values(vars)); // the last checkpoint keeps what was learned
    throw error;
  } finally {
    optimizer.dispose();
  }
  return { weights: vars, losses, step: steps, resumedFrom };
}

async function trainStep(options: PretrainOptions, vars: Record<string, tf.Variable>, optimizer: Optimizer, step: number, draw: (rng: Rng) => number): Promise<number> {
  const { images, rows } = await loadBatch(options, step, draw);
  const { value, grads } = tf.variableGrads(() => contrastiveLoss(vars, options.config, images, rows, options.tokenizer.eotToken));
  const byName: Record<string, tf.Tensor> = {};
  for (const [name, variable] of Object.entries(vars)) byName[name] = grads[variable.name]!;
  optimizer.step(byName);
  tf.tidy(() => vars.logit_scale!.assign(tf.clipByValue(vars.logit_scale!, 0, MAX_LOGIT_SCALE)));
  const loss = value.dataSync()[0]!;
  tf.dispose([value, images, ...Object.values(grads)]);
  return loss;
}

function toWrite(vars: Record<string, tf.Variable>, dtype: "F32" | "F16" = "F32"): Record<string, TensorToWrite> {
  const out: Record<string, TensorToWrite> = {};
  for (const [name, v] of Object.entries(vars)) out[name] = { shape: v.shape, data: v.dataSync() as Float32Array, dtype };
  return out;
}

/** Save CLIP weights with openai names and the config in the metadata (loadable by ClipModel.load). */
export async function saveClipWeights(path: string, vars: Record<string, tf.Variable>, config: ClipConfig, dtype: "F32" | "F16" = "F32", extra: Record<string, string> = {}): Promise<void> {
  await writeSafetensors(path, toWrite(vars, dtype), { "vlprompt.config": JSON.stringify(config), ...extra });
}

async function saveCheckpoint(dir: string, vars: Record<string, tf.Variable>, optimizer: Optimizer, losses: number[], step: number, config: ClipConfig): Promise<void> {
  await mkdir(dir, { recursive: true });
  await saveClipWeights(join(dir, "last.safetensors"), vars, config);
  const snapshot = optimizer.state();
  const optimizerTensors: Record<string, TensorToWrite> = {};
  for (const [name, data] of Object.entries(snapshot.tensors)) optimizerTensors[name] = { shape: [data.length], data };
  await writeSafetensors(join(dir, "optimizer.safetensors"), optimizerTensors);
  const progress = { step, losses, optimizerStep: snapshot.step, optimizerEpoch: snapshot.epoch, config };
  await writeFile(join(dir, "progress.json.tmp"), JSON.stringify(progress));
  await rename(join(dir, "progress.json.tmp"), join(dir, "progress.json"));
}

async function loadCheckpoint(dir: string) {
  if (!existsSync(join(dir, "progress.json"))) return undefined;
  const progress = JSON.parse(await readFile(join(dir, "progress.json"), "utf8"));
  const { tensors } = await readSafetensors(join(dir, "last.safetensors"));
  const weights: Record<string, { shape: number[]; data: Float32Array }> = {};
  for (const [name, t] of tensors) weights[name] = { shape: t.shape, data: t.data as Float32Array };
  const optimizerTensors: Record<string, Float32Array> = {};
  for (const [name, t] of (await readSafetensors(join(dir, "optimizer.safetensors"))).tensors) optimizerTensors[name] = t.data as Float32Array;
  return {
    weights,
    step: progress.step as number,
    losses: progress.losses as number[],
    optimizer: { step: progress.optimizerStep as number, epoch: progress.optimizerEpoch as number, tensors: optimizerTensors },
  };
}
