/**
 * The engine parts this build provides: the training engine (src/eval's run executor), GRAM's meta-trainer,
 * the data cache builder, backbone pretraining and checkpoint evaluation, each wired in one place.
 */
import {
  builtinDatasets,
  createMetaTrainExecutor,
  createRunExecutor,
  crossDomain,
  evaluate,
  GramOptionsSchema,
  initBackend,
  loadBackbone,
  loadDataset,
  loadImageFolder,
  prepareCache,
  pretrainDefaultBackbone,
  recipePresets,
  recipePresetNames,
  withGramSpec,
  type Backbone,
  type BackboneSpec,
  type ClassificationDataset,
  type DatasetProvider,
  type MethodRegistry,
  type PrepareProgress,
} from "@vlprompt/core";
import { existsSync, statSync } from "node:fs";
import type { Engine } from "./container.js";

/** Built-in dataset names, and the cross-domain targets (EmojiNet's classes in other styles). */
const datasetNames = () => builtinDatasets.map((d) => d.name);
const domainNames = () => crossDomain.targets.map((t) => t.name);

/** A preset as manifest recipe values: its recipe plus its epochs-by-shots table. */
function presetValues(name: string): Readonly<Record<string, unknown>> | undefined {
  const preset = recipePresets[name];
  return preset && { ...preset.recipe, ...(preset.epochsByShots ? { epochsByShots: preset.epochsByShots } : {}) };
}

/** A dataset name: a built-in dataset, a cross-domain target, or a folder of class sub-folders. */
export const builtinDatasetProvider: DatasetProvider = {
  load(name, split): ClassificationDataset | Promise<ClassificationDataset> {
    const target = crossDomain.targets.find((t) => t.name === name);
    if (target) return loadDataset(crossDomain.dataset, { split, style: target.styles });
    if (existsSync(name) && statSync(name).isDirectory()) return loadImageFolder(name);
    return loadDataset(name, { split });
  },
};

function backboneFrom(spec: BackboneSpec): Promise<Backbone> {
  return loadBackbone(spec.kind === "default" ? "default" : { weights: spec.weights, tokenizer: spec.tokenizer });
}

/** Progress lines of `data prepare`: one per stage, and at most one every two seconds within a stage. */
function prepareLogger(log: (line: string) => void): (progress: PrepareProgress) => void {
  let stage = "";
  let last = 0;
  return (progress) => {
    const now = Date.now();
    if (progress.stage === stage && now - last < 2000 && progress.done < progress.total) return;
    [stage, last] = [progress.stage, now];
    log(`${progress.stage} ${progress.done}/${progress.total}${progress.message ? ` ${progress.message}` : ""}`);
  };
}

export function builtinEngine(registry: MethodRegistry): Engine {
  const backbones = new Map<string, Promise<Backbone>>();
  const cachedBackbone = (spec: BackboneSpec) => {
    const key = JSON.stringify(spec);
    if (!backbones.has(key)) backbones.set(key, backboneFrom(spec));
    return backbones.get(key)!;
  };
  return {
    executeRun: createRunExecutor({
      methods: registry,
      loadBackbone: cachedBackbone,
      datasets: builtinDatasetProvider,
      wrapMethod: (method, gram) => withGramSpec(method, gram),
    }),
    executeMetaTraining: createMetaTrainExecutor({
      resolveMethod: (name) => registry.get(name),
      loadBackbone: async (spec, backend) => {
        await initBackend({ backend, log: () => {} });
        return cachedBackbone(spec);
      },
    }),
    datasets: { names: datasetNames },
    domains: { names: domainNames },
    gramOptionsSchema: GramOptionsSchema,
    recipePresets: presetValues,
    recipePresetNames,
    dataPrepare: (request) =>
      prepareCache({
        ...(request.datasets.length > 0 ? { datasets: request.datasets } : {}),
        force: request.force,
        onProgress: prepareLogger(request.log),
      }),
    pretrain: async (request) => {
      const backend = await initBackend({ backend: request.backend ?? "auto", log: request.log });
      const outDir = request.out ?? "packages/core/assets/default-backbone";
      const result = await pretrainDefaultBackbone({
        outDir,
        steps: request.steps,
        batchSize: request.batchSize,
        lr: request.lr,
        emojiShare: request.emojiShare,
        sceneProbability: request.sceneProbability,
        greyProbability: request.greyProbability,
        onProgress: (p) => {
          if (p.step % 10 === 0 || p.step === p.steps) request.log(`step ${p.step}/${p.steps} loss ${p.loss.toFixed(4)} (${(p.elapsedMs / 1000).toFixed(0)} s)`);
        },
      });
      return { outDir, backend: backend.name, steps: result.losses.length, finalLoss: result.losses.at(-1), seconds: result.seconds };
    },
    evaluate: async (request) => {
      await initBackend({ backend: request.backend ?? "auto", log: request.log });
      const backbone = await cachedBackbone({ kind: "default" });
      const dataset = await builtinDatasetProvider.load(request.dataset, "test");
      const result = await evaluate(request.checkpoint, dataset, { backbone, methods: registry });
      return { dataset: request.dataset, accuracy: result.accuracy, classes: dataset.classNames.length, items: dataset.size };
    },
  };
}
