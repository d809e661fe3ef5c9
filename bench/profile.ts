/**
 * Where a training step spends its time, per tfjs kernel (tf.profile's kernel timings), on random ViT-B/16-width
 * weights. For choosing performance levers, not part of the table.
 *   node --conditions=source --import tsx bench/profile.ts [--method coop] [--cached] [--layers 2] [--classes 100] [--backend wasm]
 * VLPROMPT_NATIVE_BLAS=0 profiles the plain tfjs matMul.
 */
import * as tf from "@tensorflow/tfjs";
import { initBackend, Rng, trainingLoss, type ForwardBatch } from "../packages/core/src/index.js";
import { builtinMethods } from "../packages/plugins/src/index.js";
import { e2eConfig, e2eWeights } from "./e2e.js";
import { backboneFrom, benchConfig, benchTokenizer, benchWeights, classNames } from "./shapes.js";
import { publishedRecipe } from "./ts-workloads.js";

const args = new Map<string, string>();
process.argv.slice(2).forEach((arg, i, all) => arg.startsWith("--") && args.set(arg.slice(2), all[i + 1]?.startsWith("--") === false ? all[i + 1]! : "true"));

interface KernelRecord {
  name: string;
  kernelTimeMs: number | { error: string };
  inputShapes: number[][];
  extraInfo?: string;
}

function kernelKey(k: KernelRecord): string {
  return `${k.name} ${k.inputShapes.map((s) => JSON.stringify(s)).join("x")}`;
}

async function main(): Promise<void> {
  const backend = await initBackend({ backend: args.get("backend") ?? "auto", log: () => {} });
  console.log(`backend ${backend.name}: ${backend.matMul ?? "tfjs matMul"}`);
  const layers = Number(args.get("layers") ?? 2);
  const classes = Number(args.get("classes") ?? 100);
  const name = args.get("method") ?? "coop";
  // --small: the end-to-end backbone (the first default backbone's shape, 32 px, 77-token context).
  const backbone = args.has("small") ? backboneFrom(e2eWeights(e2eConfig(benchTokenizer()))) : backboneFrom(benchWeights(benchConfig(layers)));
  const method = builtinMethods.find((m) => m.name === name)!;
  const learner = method.create(method.parseOptions(), { backbone, classNames: classNames(classes), rng: new Rng(0) });
  const batchSize = Number(args.get("batch") ?? publishedRecipe(name).batchSize);
  const { embedDim, imageResolution: res } = backbone.model.config;
  const batch: ForwardBatch = args.has("cached")
    ? { imageFeatures: tf.randomNormal([batchSize, embedDim]) as tf.Tensor2D }
    : { images: tf.randomNormal([batchSize, 3, res, res]) as tf.Tensor4D };
  const labels = tf.tensor1d(Array.from({ length: batchSize }, (_, i) => i % classes), "int32");
  const step = () =>
    tf.tidy(() => {
      const { value, grads } = tf.variableGrads(() => trainingLoss(backbone, learner, batch, labels), Object.values(learner.params));
      value.dataSync();
      Object.values(grads).forEach((g) => g.dataSync());
    });
  step(); // warm-up
  const start = performance.now();
  const info = await tf.profile(step);
  const wall = performance.now() - start;
  const totals = new Map<string, { ms: number; count: number }>();
  for (const kernel of info.kernels as unknown as KernelRecord[]) {
    const ms = typeof kernel.kernelTimeMs === "number" ? kernel.kernelTimeMs : 0;
    const key = kernelKey(kernel);
    const entry = totals.get(key) ?? { ms: 0, count: 0 };
    entry.ms += ms;
    entry.count++;
    totals.set(key, entry);
  }
  const sum = [...totals.values()].reduce((n, e) => n + e.ms, 0);
  console.log(`backend ${backend.name}, ${name}${args.has("cached") ? " (cached features)" : ""}, batch ${batchSize}, ${classes} classes, ${backbone.model.config.textLayers} layers`);
  console.log(`wall ${wall.toFixed(0)} ms (profiled), kernels ${sum.toFixed(0)} ms, ${info.kernels.length} kernel calls`);
  const byName = new Map<string, number>();
  for (const [key, e] of totals) byName.set(key.split(" ")[0]!, (byName.get(key.split(" ")[0]!) ?? 0) + e.ms);
  console.log("by kernel:");
  for (const [key, ms] of [...byName].sort((a, b) => b[1] - a[1]).slice(0, 15)) console.log(`  ${key.padEnd(24)} ${ms.toFixed(0).padStart(7)} ms ${((100 * ms) / sum).toFixed(1).padStart(5)}%`);
  console.log("top kernel shapes:");
  for (const [key, e] of [...totals].sort((a, b) => b[1].ms - a[1].ms).slice(0, Number(args.get("top") ?? 15))) console.log(`  ${e.ms.toFixed(0).padStart(7)} ms  x${e.count}  ${key}`);
}

void main();
