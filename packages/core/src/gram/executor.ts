/**
 * GRAM's side of the experiment contract (src/experiment/types.ts): a MetaTrainExecutor that runs one
 * meta-training job of a manifest, and the withGram call for one run's GramSpec. What the experiment layer
 * owns (loading a backbone, resolving a corpus name, the method registry) comes in as dependencies.
 */
import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import type { BackboneSpec, GramSpec, MetaJobSpec, MetaTrainExecutor, MetaTrainResult } from "../experiment/types.js";
import type { Backbone } from "../method/contract.js";
import type { MethodDefinition } from "../method/define.js";
import { loadCorpus, splitCorpus } from "../data/corpus.js";
import { loadFixtureCorpus } from "../data/fixture.js";
import { loadImagePairs } from "../data/pairs.js";
import { backboneHash } from "./backbone-hash.js";
import { metaCorpusFrom, type MetaCorpus } from "./features.js";
import { metaTrain } from "./meta-train.js";
import { withGram, type GramMethodDefinition } from "./with-gram.js";

export interface MetaTrainDependencies {
  resolveMethod(name: string): MethodDefinition;
  /** The frozen backbone of a job (after selecting `backend`); the executor does not dispose it. */
  loadBackbone(spec: BackboneSpec, backend: string): Promise<Backbone>;
  /** The image-text corpus named by `metaTraining.corpus`, preprocessed for `backbone` (default: resolveMetaCorpus). */
  loadCorpus?(name: string, backbone: Backbone): Promise<MetaCorpus>;
  /** Where frozen corpus features are cached between jobs. */
  readonly featureCacheDir?: string;
  /** The data cache (`vlprompt data prepare`) the default corpus resolver reads "builtin" from. */
  readonly dataCacheDir?: string;
  log?(message: string): void;
}

/** The pairs held out of the default backbone's pretraining (pretrain/run-default.ts: metaSize 20000, seed 0). */
export const builtinMetaSplit = { metaSize: 20000, seed: 0 } as const;

/**
 * A manifest's `metaTraining.corpus` as a MetaCorpus: "builtin" (the built-in corpus's meta-training part,
 * disjoint from what the default backbone was pretrained on; needs `vlprompt data prepare`), "fixture" (the
 * small committed corpus), or a pairs file (JSONL or CSV of image path + caption, see docs/datasets.md).
 */
export async function resolveMetaCorpus(name: string, backbone: Backbone, options: { cacheDir?: string } = {}): Promise<MetaCorpus> {
  if (name === "fixture") return metaCorpusFrom(loadFixtureCorpus(), backbone);
  if (name === "builtin") {
    const whole = loadCorpus({ cacheDir: options.cacheDir });
    const { meta } = splitCorpus(whole, { metaSize: Math.min(builtinMetaSplit.metaSize, whole.size), seed: builtinMetaSplit.seed });
    return metaCorpusFrom(meta, backbone);
  }
  return metaCorpusFrom(await loadImagePairs(name, { name }), backbone);
}

/** Run meta-training jobs: progress per outer step (loss = query loss after adaptation), resumable, abortable. */
export function createMetaTrainExecutor(deps: MetaTrainDependencies): MetaTrainExecutor {
  return async (job: MetaJobSpec, context): Promise<MetaTrainResult> => {
    context.progress({ phase: "prepare" });
    const method = deps.resolveMethod(job.method);
    const backbone = await deps.loadBackbone(job.backbone, job.backend);
    const name = job.metaTraining.corpus;
    const corpus = deps.loadCorpus ? await deps.loadCorpus(name, backbone) : await resolveMetaCorpus(name, backbone, { cacheDir: deps.dataCacheDir });
    mkdirSync(dirname(job.checkpointPath), { recursive: true });
    const outcome = await metaTrain({
      method,
      methodOptions: job.options,
      gram: job.gramOptions,
      backbone,
      corpus,
      settings: job.metaTraining,
      checkpointPath: job.checkpointPath,
      signal: context.signal,
      featureCacheDir: deps.featureCacheDir,
      log: deps.log,
      onStep: (point, steps) => context.progress({ phase: "train", step: point.step + 1, steps, loss: point.queryLoss }),
    });
    const losses = outcome.checkpoint.info.losses;
    return {
      checkpointPath: job.checkpointPath,
      wallTimeMs: outcome.wallTimeMs,
      details: {
        steps: outcome.checkpoint.info.steps,
        resumedFrom: outcome.resumedFrom,
        firstQueryLoss: losses[0]?.queryLoss,
        lastQueryLoss: losses[losses.length - 1]?.queryLoss,
        backboneHash: backboneHash(backbone.model),
        corpus: corpus.name,
        corpusSize: corpus.size,
      },
    };
  };
}

/** The method a run with this GramSpec trains: `method` wrapped with GRAM, its checkpoint and switches applied. */
export function withGramSpec<Options>(method: MethodDefinition<Options>, spec: Pick<GramSpec, "init" | "regulate" | "options" | "metaCheckpoint">): GramMethodDefinition<Options> {
  const options = spec.options as Record<string, unknown>;
  const regulate = spec.regulate ? (options.regulate === undefined || options.regulate === false ? "prompts" : options.regulate) : false;
  return withGram(method, { ...options, init: spec.init, regulate: regulate as "prompts" | "all" | boolean, metaCheckpoint: spec.metaCheckpoint });
}
