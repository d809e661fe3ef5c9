/**
 * The real RunExecutor behind `runManifest`: one RunSpec in, one RunResult out. It initialises the backend, loads
 * (and keeps) the backbone, builds the protocol's datasets, creates the method through the registry (wrapped by
 * GRAM's hook when the run asks for it), trains with the run's recipe and seed, and evaluates.
 */
import * as tf from "@tensorflow/tfjs";
import { join } from "node:path";
import { initBackend } from "../backend/select.js";
import type { BackboneSpec, ExecutionContext, GramSpec, RunExecutor, RunResult, RunSpec } from "../experiment/types.js";
import type { Backbone } from "../method/contract.js";
import type { MethodDefinition } from "../method/define.js";
import type { TrainerHooks } from "../train/hooks.js";
import { evalErrors } from "./errors.js";
import { protocolData, runProtocol, type DatasetProvider, type ProtocolRunResult } from "./protocols.js";

export interface RunExecutorDeps {
  /** The method registry (or anything with `get(name)`). */
  readonly methods: { get(name: string): MethodDefinition };
  /** Loads a backbone; called once per distinct spec and kept. The caller owns what it returns (never disposed here). */
  readonly loadBackbone: (spec: BackboneSpec) => Promise<Backbone>;
  /** Train and test splits by dataset name. */
  readonly datasets: DatasetProvider;
  /** GRAM's hook: the method wrapped with meta-learned init and regulation (required for runs with `gram`). */
  readonly wrapMethod?: (method: MethodDefinition, gram: GramSpec) => MethodDefinition | Promise<MethodDefinition>;
  /** Selects the backend a run names; returns the backend in use. Default: src/backend's initBackend, silent. */
  readonly initBackend?: (name: string) => Promise<string>;
  /** "auto" (default) or "off" (encode every batch; for benchmarks). */
  readonly featureCache?: "auto" | "off";
  /** Augmented views in the feature cache (default: the trainer's, one per 10 epochs, 1 to 8). */
  readonly cacheViews?: number;
  /** Continue an interrupted run from its last checkpoint (needs saveCheckpoint). Default false. */
  readonly resume?: boolean;
  /** Extra trainer hooks for every run (logging, profiling). */
  readonly hooks?: readonly TrainerHooks[];
}

export interface ManagedRunExecutor extends RunExecutor {
  /** Forget the backbones kept between runs (they stay alive: whoever loaded them disposes them). */
  dispose(): void;
}

async function defaultInitBackend(name: string): Promise<string> {
  return (await initBackend({ backend: name, log: () => {} })).name;
}

async function methodFor(spec: RunSpec, deps: RunExecutorDeps): Promise<MethodDefinition> {
  const method = deps.methods.get(spec.method);
  if (!spec.gram) return method;
  if (!deps.wrapMethod) {
    throw evalErrors.make("VLP_EVAL_GRAM_NOT_WIRED", `run ${spec.id} (${spec.entryId}) uses GRAM but no wrapMethod hook was given`);
  }
  return deps.wrapMethod(method, spec.gram);
}

function runResult(spec: RunSpec, result: ProtocolRunResult, backend: string, started: number, checkpointDir?: string): RunResult {
  const { training } = result;
  return {
    accuracy: result.accuracy,
    perClassAccuracy: result.perClassAccuracy,
    ...(result.baseAccuracy !== undefined ? { baseAccuracy: result.baseAccuracy, newAccuracy: result.newAccuracy } : {}),
    ...(result.targetAccuracy ? { targetAccuracy: result.targetAccuracy } : {}),
    wallTimeMs: Date.now() - started,
    curve: result.curve,
    backend,
    details: {
      precision: "float32",
      parameterCount: result.parameterCount,
      epochs: training.epochs,
      steps: training.steps,
      trainingMs: training.wallTimeMs,
      featureCache: training.featureCache,
      evaluated: Object.fromEntries(Object.entries(result.evaluations).map(([name, e]) => [name, { items: e.total, classes: e.perClass.length }])),
      ...(training.resumedFromEpoch !== undefined ? { resumedFromEpoch: training.resumedFromEpoch } : {}),
      ...(checkpointDir ? { checkpoint: join(checkpointDir, "last.safetensors") } : {}),
    },
  };
}

/** The executor `runManifest` calls; keep it for the whole grid and dispose it afterwards. */
export function createRunExecutor(deps: RunExecutorDeps): ManagedRunExecutor {
  const backbones = new Map<string, Promise<Backbone>>();
  const backboneFor = (spec: BackboneSpec) => {
    const key = JSON.stringify(spec);
    if (!backbones.has(key)) backbones.set(key, deps.loadBackbone(spec));
    return backbones.get(key)!;
  };
  const execute = async (spec: RunSpec, context: ExecutionContext): Promise<RunResult> => {
    const started = Date.now();
    context.progress({ phase: "prepare" });
    const backend = await (deps.initBackend ?? defaultInitBackend)(spec.backend);
    const backbone = await backboneFor(spec.backbone);
    const method = await methodFor(spec, deps);
    const options = method.parseOptions(spec.options);
    const data = await protocolData(deps.datasets, { kind: spec.protocol.kind, dataset: spec.dataset, shots: spec.shots, seed: spec.seed, targets: spec.protocol.targets });
    const checkpointDir = spec.saveCheckpoint ? join(spec.runDir, "checkpoints") : undefined;
    const result = await runProtocol({
      backbone,
      method,
      options,
      data,
      recipe: spec.recipe,
      seed: spec.seed,
      onEvaluate: () => context.progress({ phase: "evaluate" }),
      trainer: {
        signal: context.signal,
        hooks: deps.hooks,
        featureCache: deps.featureCache,
        cacheViews: deps.cacheViews,
        resume: Boolean(deps.resume && checkpointDir),
        ...(checkpointDir ? { checkpoints: { dir: checkpointDir, method: spec.method, options: options as Record<string, unknown>, extra: { gram: spec.gram, dataset: spec.dataset, shots: spec.shots, protocol: spec.protocol } } } : {}),
        onProgress: (p) => context.progress({ phase: "train", epoch: p.epoch, epochs: p.epochs, step: p.step, steps: p.steps, loss: p.loss }),
      },
    });
    return runResult(spec, result, backend || tf.getBackend(), started, checkpointDir);
  };
  const dispose = () => backbones.clear();
  return Object.assign(execute, { dispose });
}
