/**
 * What the benchmark runs, shared by both sides: the CLIP shape (ViT-B/16 widths with fewer layers so the whole
 * run fits in minutes on 2 cores), the class names and their tokenised prompts, the random weights (written to
 * a safetensors file the PyTorch side reads), and the spec file that tells the PyTorch side what to run.
 */
import * as tf from "@tensorflow/tfjs";
import { mkdir, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  ClassPrompts,
  ClipModel,
  initClipWeights,
  Rng,
  WordTokenizer,
  writeSafetensors,
  type Backbone,
  type ClipConfig,
  type NamedArray,
  type TensorToWrite,
} from "../packages/core/src/index.js";

export interface BenchSettings {
  /** Transformer layers of each tower (ViT-B/16 has 12). */
  readonly layers: number;
  /** Classes of the text workloads and the method steps. */
  readonly classes: number;
  /** Images per forward pass of the image-encoder workload. */
  readonly imageBatch: number;
  /** Timed repeats after one warm-up run (the median is reported). */
  readonly repeats: number;
  /** Where the weights and the spec go (not the repository). */
  readonly workDir: string;
}

export const defaultSettings: BenchSettings = {
  layers: 2,
  classes: 100,
  imageBatch: 32,
  repeats: 3,
  workDir: join(tmpdir(), "vlprompt-bench"),
};

/** ViT-B/16 widths (image 224, patch 16, width 768, 12 heads; text 77 tokens, width 512, 8 heads) with `layers` layers. */
export function benchConfig(layers: number): ClipConfig {
  return {
    embedDim: 512, imageResolution: 224, visionLayers: layers, visionWidth: 768, visionHeads: 12, visionPatchSize: 16,
    contextLength: 77, vocabSize: 49408, textWidth: 512, textHeads: 8, textLayers: layers,
  };
}

/** One honest line describing the shape, for the table. */
export function describeShape(config: ClipConfig): string {
  return `ViT-B/16 widths (image 224px, 197 tokens, width 768, 12 heads; text 77 tokens, width 512, 8 heads), ` +
    `${config.visionLayers} of 12 layers per tower`;
}

const NUMBER_WORDS = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"];

/** "class one two" style names: two or three words each, like real class names after tokenisation. */
export function classNames(count: number): string[] {
  return Array.from({ length: count }, (_, i) => `class ${String(i).split("").map((d) => NUMBER_WORDS[Number(d)]).join(" ")}`);
}

export function benchTokenizer(): WordTokenizer {
  return WordTokenizer.fromWords(["a", "photo", "of", "class", "x", ...NUMBER_WORDS]);
}

export function benchWeights(config: ClipConfig, seed = 0): Record<string, TensorToWrite> {
  return initClipWeights(config, new Rng(seed));
}

export function backboneFrom(weights: Record<string, TensorToWrite>): Backbone {
  const map = new Map<string, NamedArray>(Object.entries(weights).map(([name, t]) => [name, { shape: [...t.shape], data: t.data } as NamedArray]));
  return { model: ClipModel.fromTensorMap(map), tokenizer: benchTokenizer(), name: "bench" };
}

/** Token ids and EOT positions of "[SOT] {template} {name}. [EOT]" per class (what the PyTorch side embeds). */
export function promptRows(backbone: Backbone, names: readonly string[], contextLength: number, template?: string) {
  const prompts = new ClassPrompts(backbone, names, contextLength, template);
  try {
    return { tokenIds: prompts.tokenIds, eotIndices: prompts.eotIndices };
  } finally {
    prompts.dispose();
  }
}

/** Write the weights (plus any extra tensors, e.g. the correctness-check inputs) where the PyTorch side reads them. */
export async function writeBenchFile(settings: BenchSettings, name: string, tensors: Record<string, TensorToWrite>): Promise<string> {
  await mkdir(settings.workDir, { recursive: true });
  const path = join(settings.workDir, name);
  await writeSafetensors(path, tensors);
  return path;
}

export async function writeSpec(settings: BenchSettings, spec: unknown): Promise<string> {
  await mkdir(settings.workDir, { recursive: true });
  const path = join(settings.workDir, "spec.json");
  await writeFile(path, JSON.stringify(spec, null, 1));
  return path;
}

/** Seeded normal tensor as plain data (both sides can read it from the file). */
export function normalData(shape: number[], seed: number, std = 1): TensorToWrite {
  return { shape, data: new Rng(seed).normalArray(shape.reduce((a, b) => a * b, 1), std) };
}

export function toTensor(t: TensorToWrite): tf.Tensor {
  return tf.tensor(t.data, [...t.shape], "float32");
}
