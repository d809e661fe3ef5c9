/**
 * Benchmark (not a test): how much faster a CoOp epoch is with the feature cache than when every batch is
 * decoded, augmented and encoded.
 *   npx tsx bench/feature-cache.ts [--classes 100] [--shots 16] [--batch 32] [--context 4] [--backend wasm]
 *                                  [--backbone default|tiny] [--dataset <built-in name>] [--augment on|off] [--rounds 8]
 *                                  [--text-tokens N] [--clock cpu|wall]
 * Backbone "default": the default backbone's shape (src/pretrain defaultBackboneConfig) with random weights (timing
 * does not depend on the values); "tiny": the golden fixture CLIP. Data: a built-in dataset from the cache when
 * --dataset names one, else synthetic 64 px images (the cache's resolution) with --classes classes. --text-tokens
 * shortens the default-shaped backbone's text context (what running the text encoder only up to the last EOT token
 * would cost). Reports the steady epoch time without and with the cache (cache already filled), the one-off cost of filling one cached view, and their ratio. The two modes alternate in
 * short blocks (5 batches each) for --rounds rounds; times are this process's CPU time (the wasm backend runs on one
 * thread), per-step medians, so other work on the machine does not distort them; epoch times are steps per epoch x
 * the median step.
 * --clock wall times wall-clock instead: what a user waits for on a quiet machine, and the fair clock when the
 * native BLAS runs two threads (CPU time then also counts the second thread's spinning).
 */
import "reflect-metadata";
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import {
  ClipModel,
  Rng,
  WordTokenizer,
  defaultBackboneConfig,
  defaultCacheViews,
  fewShot,
  initBackend,
  initClipWeights,
  loadDataset,
  resolveRecipe,
  train,
  type Backbone,
  type ClassificationDataset,
  type NamedArray,
  type TrainerHooks,
} from "../packages/core/src/index.js";
import { loadTinyBackbone, syntheticDataset } from "../packages/core/src/train/test-fixtures.js";
import { splitWords } from "../packages/core/src/clip/tokenizer.js";

// The plugins import "@vlprompt/core", which resolves to the sources only under the "source" export condition:
// re-run this script with it when it was started without (plain `npx tsx bench/feature-cache.ts`).
if (!process.execArgv.some((arg) => arg.includes("conditions=source")) && !process.env.VLP_BENCH_CHILD) {
  const script = fileURLToPath(import.meta.url);
  const child = spawnSync(process.execPath, ["--conditions=source", ...process.execArgv, script, ...process.argv.slice(2)], {
    stdio: "inherit",
    env: { ...process.env, VLP_BENCH_CHILD: "1" },
  });
  process.exit(child.status ?? 1);
}
const { coop } = await import("../packages/plugins/src/index.js");

const { values: args } = parseArgs({
  options: {
    classes: { type: "string", default: "100" },
    shots: { type: "string", default: "16" },
    batch: { type: "string", default: "32" },
    context: { type: "string", default: "4" },
    backend: { type: "string", default: "wasm" },
    backbone: { type: "string", default: "default" },
    dataset: { type: "string" },
    augment: { type: "string", default: "on" },
    rounds: { type: "string", default: "8" },
    "text-tokens": { type: "string" },
    clock: { type: "string", default: "cpu" },
  },
});

function trainingSet(): ClassificationDataset {
  const shots = Number(args.shots);
  if (args.dataset) return fewShot(loadDataset(args.dataset, { split: "train" }), { shots, seed: 1 });
  const tokenOffset = args.backbone === "tiny" ? 10 : 0;
  return syntheticDataset({ name: "synthetic", classes: Number(args.classes), perClass: shots, seed: 1, size: 64, firstToken: tokenOffset });
}

function defaultShapedBackbone(classNames: readonly string[]): Backbone {
  const words = [...new Set(["x", ".", "a", "photo", "of", ...classNames.flatMap((name) => splitWords(name))])];
  const tokenizer = WordTokenizer.fromWords(words);
  const contextLength = args["text-tokens"] ? Number(args["text-tokens"]) : defaultBackboneConfig.contextLength;
  const config = { ...defaultBackboneConfig, contextLength, vocabSize: tokenizer.vocabSize };
  const weights = initClipWeights(config, new Rng(0));
  const map = new Map<string, NamedArray>(Object.entries(weights).map(([name, t]) => [name, { dtype: "float32", shape: [...t.shape], data: t.data, storedAs: "F32" }]));
  return { model: ClipModel.fromTensorMap(map, { config }), tokenizer, name: "default-shaped (random weights)" };
}

/**
 * CPU time of this process in ms (unlike wall time, it does not grow when other processes load the machine), or
 * wall time with --clock wall.
 */
function clockMs(): number {
  if (args.clock === "wall") return performance.now();
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
}

interface BlockTiming {
  /** From the call to the first step: decoding, augmenting and encoding the block's cached view (with the cache). */
  readonly prepareMs: number;
  /** CPU time of each step after the first (image loading and augmentation included without the cache). */
  readonly stepMs: number[];
}

/**
 * One short epoch of CoOp over `block` (a few batches): hooks time the preparation and every step after the first.
 * Step cost depends on the batch size and the class count, not on the set size, so short blocks alternating between
 * the two modes measure both under the same machine load.
 */
async function timeBlock(backbone: Backbone, block: ClassificationDataset, featureCache: "auto" | "off"): Promise<BlockTiming> {
  const learner = coop.create(coop.parseOptions({ contextLength: Number(args.context) }), { backbone, classNames: block.classNames, rng: new Rng(1) });
  const recipe = resolveRecipe({ preset: "coop-small", overrides: { epochs: 1, batchSize: Number(args.batch), augment: args.augment === "on" } });
  const started = clockMs();
  let firstStep = 0;
  const stepEnds: number[] = [];
  const hooks: TrainerHooks[] = [{
    beforeBackward: (c) => void (c.step === 0 && (firstStep = clockMs())),
    afterStep: () => void stepEnds.push(clockMs()),
  }];
  await train({ backbone, learner, dataset: block, recipe, seed: 1, featureCache, cacheViews: 1, hooks });
  learner.dispose();
  return { prepareMs: firstStep - started, stepMs: stepEnds.slice(1).map((end, i) => end - stepEnds[i]!) };
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

const backend = (await initBackend({ backend: args.backend, log: () => {} })).name;
const dataset = trainingSet();
const backbone = args.backbone === "tiny" ? loadTinyBackbone() : defaultShapedBackbone(dataset.classNames);
const config = backbone.model.config;
const batch = Number(args.batch);
const stepsPerEpoch = Math.floor(dataset.size / batch);
const block = dataset.subset(new Rng(2).sample(Array.from({ length: dataset.size }, (_, i) => i), Math.min(dataset.size, 5 * batch)));
console.log(`backend ${backend}; backbone ${backbone.name}: ${config.imageResolution}px/patch ${config.visionPatchSize}, vision ${config.visionWidth}x${config.visionLayers}, text ${config.textWidth}x${config.textLayers}, ${config.contextLength} tokens`);
console.log(`clock: ${args.clock === "wall" ? "wall time" : "this process's CPU time"}; BLAS threads: ${process.env.OPENBLAS_NUM_THREADS ?? "default"}`);
console.log(`CoOp (${args.context} context tokens), ${dataset.classNames.length} classes x ${args.shots} shots = ${dataset.size} images (${stepsPerEpoch} steps of ${batch}), augmentation ${args.augment}`);
const without: BlockTiming[] = [];
const withCache: BlockTiming[] = [];
for (let round = 0; round < Number(args.rounds); round++) {
  without.push(await timeBlock(backbone, block, "off"));
  withCache.push(await timeBlock(backbone, block, "auto"));
}
const stepWithout = median(without.flatMap((t) => t.stepMs));
const stepCached = median(withCache.flatMap((t) => t.stepMs));
const fillPerImage = median(withCache.map((t) => t.prepareMs)) / block.size;
const epochWithout = stepsPerEpoch * stepWithout;
const epochCached = stepsPerEpoch * stepCached;
const fill = fillPerImage * dataset.size;
const spread = (timings: BlockTiming[]) => {
  const all = timings.flatMap((t) => t.stepMs).sort((a, b) => a - b);
  return `${all.length} steps, quartiles ${all[Math.floor(all.length / 4)]!.toFixed(0)}-${all[Math.floor((3 * all.length) / 4)]!.toFixed(0)} ms`;
};
console.log(`step without cache: ${stepWithout.toFixed(1)} ms median (${spread(without)})`);
console.log(`step with cache:    ${stepCached.toFixed(1)} ms median (${spread(withCache)})`);
console.log(`epoch without cache ~${epochWithout.toFixed(0)} ms, with cache ~${epochCached.toFixed(0)} ms; filling one view ~${fill.toFixed(0)} ms`);
console.log(`speed-up per epoch (cache filled): ${(epochWithout / epochCached).toFixed(2)}x`);
for (const epochs of [10, 50, 200]) {
  const views = defaultCacheViews(epochs);
  const total = epochs * epochCached + views * fill;
  console.log(`whole run of ${epochs} epochs (${views} cached view${views > 1 ? "s" : ""}, the default): ${((epochs * epochWithout) / total).toFixed(2)}x`);
}
backbone.model.dispose();
