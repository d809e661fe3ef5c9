/**
 * Writes what both sides run: the CLIP weights plus the correctness-check inputs and our features for them, the
 * end-to-end backbone with the 16-shot pixels, and spec.json (shapes, tokenised prompts, options, recipes).
 */
import * as tf from "@tensorflow/tfjs";
import { encodeImage, encodeText, type Backbone, type TensorToWrite } from "../packages/core/src/index.js";
import { builtinMethods } from "../packages/plugins/src/index.js";
import { vptTextTemplate } from "../packages/plugins/src/vpt/index.js";
import { e2eBackbone, e2eConfig, e2eDataset, e2ePrompts, e2eRecipe, e2eTensors, e2eTokenizer, e2eWeights, E2E_DATASET, E2E_SHOTS } from "./e2e.js";
import {
  backboneFrom,
  benchConfig,
  benchWeights,
  classNames,
  normalData,
  promptRows,
  toTensor,
  writeBenchFile,
  writeSpec,
  type BenchSettings,
} from "./shapes.js";
import { publishedRecipe } from "./ts-workloads.js";

const TEMPLATE = "a photo of a";

/** Token rows per method as its learner builds them (context length and init template of its defaults). */
function methodPrompts(backbone: Backbone, names: string[]) {
  return {
    coop: promptRows(backbone, names, 16),
    cocoop: promptRows(backbone, names, 4, TEMPLATE),
    vpt: promptRows(backbone, names, 0, vptTextTemplate),
    maple: promptRows(backbone, names, 2, TEMPLATE),
    ivlp: promptRows(backbone, names, 2, TEMPLATE),
  };
}

/** Two images and three text sequences through our encoders; the PyTorch side must reproduce the features. */
function checkTensors(backbone: Backbone): Record<string, TensorToWrite> {
  const { imageResolution: res, contextLength, textWidth } = backbone.model.config;
  const images = normalData([2, 3, res, res], 11);
  const embeddings = normalData([3, contextLength, textWidth], 12, 0.02);
  const eot = [5, 20, contextLength - 1];
  const [imageFeatures, textFeatures] = tf.tidy(() => [
    encodeImage(backbone.model.weights, toTensor(images) as tf.Tensor4D).dataSync() as Float32Array,
    encodeText(backbone.model.weights, { embeddings: toTensor(embeddings) as tf.Tensor3D, eotIndices: eot }).dataSync() as Float32Array,
  ]);
  const embed = backbone.model.config.embedDim;
  return {
    "check.images": images,
    "check.embeddings": embeddings,
    "check.eot": { shape: [3], data: Int32Array.from(eot) },
    "check.imageFeatures": { shape: [2, embed], data: imageFeatures },
    "check.textFeatures": { shape: [3, embed], data: textFeatures },
  };
}

export async function prepareBench(settings: BenchSettings, backendName: string, threads: number): Promise<string> {
  const config = benchConfig(settings.layers);
  const weights = benchWeights(config);
  const backbone = backboneFrom(weights);
  const names = classNames(settings.classes);
  const prompts = methodPrompts(backbone, names);
  const weightsPath = await writeBenchFile(settings, "weights.safetensors", { ...weights, ...checkTensors(backbone) });
  backbone.model.dispose();

  const dataset = await e2eDataset(settings);
  const tokenizer = e2eTokenizer(dataset);
  const smallConfig = e2eConfig(tokenizer);
  const smallWeights = e2eWeights(smallConfig);
  const small = e2eBackbone(smallWeights, tokenizer);
  const e2ePath = await writeBenchFile(settings, "e2e.safetensors", { ...smallWeights, ...(await e2eTensors(dataset, smallConfig.imageResolution)) });
  const e2ePromptRows = e2ePrompts(small, dataset);
  small.model.dispose();

  const methods = ["coop", "cocoop", "vpt", "maple", "ivlp"];
  return writeSpec(settings, {
    settings,
    backend: backendName,
    threads,
    weights: weightsPath,
    config,
    classes: settings.classes,
    imageBatch: settings.imageBatch,
    repeats: settings.repeats,
    prompts: { ...prompts, e2e: e2ePromptRows },
    options: Object.fromEntries(builtinMethods.map((m) => [m.name, m.defaults])),
    recipes: Object.fromEntries(methods.map((m) => [m, publishedRecipe(m)])),
    e2e: { weights: e2ePath, config: smallConfig, recipe: e2eRecipe(), dataset: E2E_DATASET, shots: E2E_SHOTS, size: dataset.size },
  });
}
