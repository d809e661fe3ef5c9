/**
 * Forward and forward+backward time of a ViT-B/16-shaped CLIP on the chosen backend.
 *   npx tsx bench/backbone.ts [--backend wasm] [--batch 2] [--classes 10] [--repeats 3] [--layers 12]
 * Forward: image encoder on `batch` images + text encoder on `classes` prompts (CoOp-shaped, 16 context tokens).
 * Backward: the gradient of the loss with respect to the prompt context and the visual prompt tokens
 * (what prompt tuning needs; frozen weights get no gradient).
 */
import * as tf from "@tensorflow/tfjs";
import { clipLogits, encodeImage, encodeText, initBackend, initClipWeights, prepareWeights, Rng, type ClipConfig } from "../packages/core/src/index.js";

const args = new Map<string, string>();
process.argv.slice(2).forEach((arg, i, all) => arg.startsWith("--") && args.set(arg.slice(2), all[i + 1] ?? ""));
const batch = Number(args.get("batch") ?? 2);
const classes = Number(args.get("classes") ?? 10);
const repeats = Number(args.get("repeats") ?? 3);
const layers = Number(args.get("layers") ?? 12);

const config: ClipConfig = {
  embedDim: 512, imageResolution: 224, visionLayers: layers, visionWidth: 768, visionHeads: 12, visionPatchSize: 16,
  contextLength: 77, vocabSize: 49408, textWidth: 512, textHeads: 8, textLayers: layers,
};

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

async function main(): Promise<void> {
  const backend = await initBackend({ backend: args.get("backend") ?? "auto" });
  const init = initClipWeights(config, new Rng(0));
  const weights = tf.tidy(() => {
    const tensors = Object.fromEntries(Object.entries(init).map(([n, t]) => [n, tf.tensor(t.data, t.shape)]));
    return prepareWeights(tensors, config) as unknown as tf.TensorContainer;
  }) as unknown as ReturnType<typeof prepareWeights>;
  const images = tf.randomNormal([batch, 3, 224, 224]) as tf.Tensor4D;
  const textContext = tf.variable(tf.randomNormal([classes, 77, 512], 0, 0.02));
  const visionTokens = tf.variable(tf.randomNormal([4, 768], 0, 0.02));
  const eot = Array(classes).fill(20);
  const loss = () => {
    const image = encodeImage(weights, images, { tokens: visionTokens });
    const text = encodeText(weights, { embeddings: textContext as unknown as tf.Tensor3D, eotIndices: eot });
    return tf.mean(clipLogits(image, text, weights.logitScale)) as tf.Scalar;
  };
  const time = async (fn: () => void) => {
    const times: number[] = [];
    for (let r = 0; r <= repeats; r++) {
      const start = performance.now();
      fn();
      if (r > 0) times.push(performance.now() - start); // the first run warms up
    }
    return median(times);
  };
  const forwardMs = await time(() => tf.tidy(() => loss().dataSync()));
  const backwardMs = await time(() => tf.tidy(() => {
    const { value, grads } = tf.variableGrads(loss, [textContext, visionTokens]);
    value.dataSync();
    Object.values(grads).forEach((g) => g.dataSync());
  }));
  console.log(`backend ${backend.name}: ViT-B/16-shaped CLIP (${layers} layers), ${batch} images x ${classes} classes`);
  console.log(`forward ${(forwardMs / 1000).toFixed(2)} s, forward+backward ${(backwardMs / 1000).toFixed(2)} s (median of ${repeats})`);
}

void main();
