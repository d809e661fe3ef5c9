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
import { backboneHash } from "./backbone-hash.js";
import type { MetaCorpus } from "./features.js";
import { metaTrain } from "./meta-train.js";
import { withGram, type GramMethodDefinition } from "./with-gram.js";

export interface MetaTrainDependencies {
  resolveMethod(name: string): MethodDefinition;
  /** The frozen backbone of a job (after selecting `backend`); the executor does not dispose it. */
  loadBackbone(spec: BackboneSpec, backend: string): Promise<Backbone>;
  /** The image-text corpus named by `metaTraining.corpus` ("builtin" or a path), preprocessed for `backbone`. */
  loadCorpus(name: string, backbone: Backbone): Promise<MetaCorpus>;
  /** Where frozen corpus features are cached between jobs. */
  readonly featureCacheDir?: string;
  log?(message: string): void;
}

/** Run meta-training jobs: progress per outer step (loss = query loss after adaptation), resumable, abortable. */
export function createMetaTrainExecutor(deps: MetaTrainDependencies): MetaTrainExecutor {
  return async (job: MetaJobSpec, context): Promise<MetaTrainResult> => {
    context.progress({ phase: "prepare" });
    const method = deps.resolveMethod(job.method);
    const backbone = await deps.loadBackbone(job.backbone, job.backend);
    const corpus = await deps.loadCorpus(job.metaTraining.corpus, backbone);
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
