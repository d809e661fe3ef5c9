/**
 * A meta-training session: the corpus features and task hierarchy, the meta-learned state (initialisation
 * theta_0 and regulator phi) with their outer optimizers, and one outer step at a time.
 */
import * as tf from "@tensorflow/tfjs";
import type { Backbone, PromptLearner } from "../method/contract.js";
import type { MethodDefinition } from "../method/define.js";
import { canCacheImageFeatures } from "../method/forward.js";
import { Rng } from "../tensor/rng.js";
import { adam, sgd } from "../train/optim/aliases.js";
import { chain } from "../train/optim/combine.js";
import { createOptimizer, type Optimizer } from "../train/optim/optimizer.js";
import { clipByGlobalNorm } from "../train/optim/transforms.js";
import type { GradientTransformation } from "../train/optim/types.js";
import { corpusFeatures, type CorpusFeatures, type MetaCorpus } from "./features.js";
import { runTask, type InnerSettings, type MetaModel, type SideData, type TaskOutcome } from "./inner-loop.js";
import { paramLayout, type ParamLayout } from "./layout.js";
import { ownedVariable } from "./regulators.js";
import { parseGramOptions, parseMetaTrainSettings, regulateMode, regulatorSpecs, type GramJsonOptions, type MetaTrainSettings } from "./options.js";
import { RegulatorSet } from "./regulator-set.js";
import { buildHierarchy, checkTaskable, sampleTask, type MetaTask, type TaskHierarchy, type TaskSide } from "./tasks.js";
import { isGramMethod } from "./with-gram.js";
import { metaCheckpointFormat, type MetaCheckpoint, type MetaCheckpointInfo, type MetaLossPoint } from "./checkpoint.js";
import { backboneHash } from "./backbone-hash.js";
import { stateOf } from "../method/state.js";
import type { RegulatorSpec } from "./regulators.js";

export interface MetaSessionOptions {
  /** The method to meta-train (a withGram definition is unwrapped to its inner method). */
  readonly method: MethodDefinition;
  readonly methodOptions?: unknown;
  readonly backbone: Backbone;
  readonly corpus: MetaCorpus;
  /** GRAM options: regulators, regulate mode, paramRoles, seed. */
  readonly gram?: unknown;
  /** Meta-training settings (a manifest's `metaTraining`, `options` flattened in). */
  readonly settings?: unknown;
  /** Where to keep the frozen features between runs. */
  readonly featureCacheDir?: string;
}

function outerChain(lr: number, settings: MetaTrainSettings): GradientTransformation {
  const step = settings.outerOptimizer === "adam" ? adam({ lr }) : sgd({ lr });
  return settings.clipNorm === null ? step : chain(clipByGlobalNorm(settings.clipNorm), step);
}

export class MetaSession {
  readonly init: Record<string, tf.Variable>;
  readonly regulators: RegulatorSet;
  readonly layout: readonly ParamLayout[];
  readonly initOptimizer: Optimizer;
  readonly regulatorOptimizer: Optimizer | null;
  /** Outer steps done. */
  step = 0;
  readonly losses: MetaLossPoint[] = [];
  /** The regulator design per modality (identity for both when the GRAM options turn regulation off). */
  readonly specs: Record<"text" | "vision", RegulatorSpec>;
  private readonly model: MetaModel;

  private constructor(
    readonly method: MethodDefinition,
    readonly methodOptions: Record<string, unknown>,
    readonly backbone: Backbone,
    readonly corpus: MetaCorpus,
    readonly gram: GramJsonOptions,
    readonly settings: MetaTrainSettings,
    readonly features: CorpusFeatures,
    readonly hierarchy: TaskHierarchy,
    probe: PromptLearner,
    /** True when the method prompts the image encoder, so tasks carry images rather than cached features. */
    readonly needsImages: boolean,
  ) {
    this.init = Object.fromEntries(Object.entries(probe.params).map(([n, v]) => [n, ownedVariable(`init_${n}`, tf.clone(v))]));
    this.layout = paramLayout(probe.params, backbone.model.config, gram.paramRoles);
    const mode = regulateMode(gram);
    this.specs = mode ? regulatorSpecs(gram) : { text: { kind: "identity" }, vision: { kind: "identity" } };
    this.regulators = new RegulatorSet(this.layout, { specs: this.specs, mode: mode ?? "prompts", rng: new Rng(settings.seed).fork("regulators") });
    this.initOptimizer = createOptimizer(outerChain(settings.outerLr, settings), this.init);
    const regulatorParams = this.regulators.params;
    this.regulatorOptimizer =
      Object.keys(regulatorParams).length > 0 ? createOptimizer(outerChain(settings.regulatorLr ?? settings.outerLr, settings), regulatorParams) : null;
    this.model = { method, methodOptions, backbone, init: this.init, regulators: this.regulators };
  }

  /** Encode the corpus (cached), cluster it, and build the initial state from the method's own initialisation. */
  static async open(options: MetaSessionOptions): Promise<MetaSession> {
    const method = isGramMethod(options.method) ? options.method.inner : options.method;
    const methodOptions = method.parseOptions(options.methodOptions ?? {}) as Record<string, unknown>;
    const gram = parseGramOptions(options.gram ?? (isGramMethod(options.method) ? options.method.gram : undefined));
    const settings = parseMetaTrainSettings(options.settings);
    const features = await corpusFeatures(options.backbone, options.corpus, options.featureCacheDir);
    const hierarchy = buildHierarchy(features, settings, new Rng(settings.seed).fork("clusters"));
    checkTaskable(hierarchy, settings);
    const first = sampleTask(hierarchy, features.captions, settings, new Rng(settings.seed).fork("probe"));
    const probe = method.create(methodOptions, { backbone: options.backbone, classNames: first.support.classNames, rng: new Rng(settings.seed) });
    try {
      const needsImages = !canCacheImageFeatures(probe);
      return new MetaSession(method, methodOptions, options.backbone, options.corpus, gram, settings, features, hierarchy, probe, needsImages);
    } finally {
      probe.dispose();
    }
  }

  /** The tasks of outer step `step` (a function of the seed and the step only, so runs resume exactly). */
  tasksAt(step: number, count = this.settings.tasksPerStep, label = "step"): MetaTask[] {
    const rng = new Rng(this.settings.seed).fork(`${label}-${step}`);
    return Array.from({ length: count }, () => sampleTask(this.hierarchy, this.features.captions, this.settings, rng));
  }

  private async sideData(side: TaskSide): Promise<SideData> {
    const labels = tf.tensor1d(side.labels as number[], "int32");
    if (!this.needsImages) {
      const e = this.features.embedDim;
      const rows = new Float32Array(side.items.length * e);
      side.items.forEach((item, r) => rows.set(this.features.image.subarray(item * e, (item + 1) * e), r * e));
      return { classNames: side.classNames, labels, batch: { imageFeatures: tf.tensor2d(rows, [side.items.length, e]) } };
    }
    const images: tf.Tensor3D[] = [];
    for (const item of side.items) images.push(await this.corpus.image(item));
    const stacked = tf.stack(images) as tf.Tensor4D;
    tf.dispose(images);
    return { classNames: side.classNames, labels, batch: { images: stacked } };
  }

  private async withTask<T>(task: MetaTask, run: (support: SideData, query: SideData) => T): Promise<T> {
    const support = await this.sideData(task.support);
    const query = await this.sideData(task.query);
    try {
      return run(support, query);
    } finally {
      for (const side of [support, query]) tf.dispose([side.labels, side.batch.images, side.batch.imageFeatures].filter((t) => t !== undefined) as tf.Tensor[]);
    }
  }

  /** Adapt on one task; with `wantGradients`, also its meta-gradients (the caller disposes them). */
  async runTask(task: MetaTask, wantGradients: boolean, settings: Partial<InnerSettings> = {}): Promise<TaskOutcome> {
    return this.withTask(task, (s, q) => runTask(this.model, s, q, { ...this.settings, ...settings }, wantGradients));
  }

  /** Mean support loss at the initialisation and mean query loss after adaptation, without updating anything. */
  async evaluate(tasks: readonly MetaTask[]): Promise<{ supportLoss: number; queryLoss: number }> {
    let supportLoss = 0;
    let queryLoss = 0;
    for (const task of tasks) {
      const outcome = await this.withTask(task, (s, q) => runTask(this.model, s, q, this.settings, false));
      supportLoss += outcome.supportLoss / tasks.length;
      queryLoss += outcome.queryLoss / tasks.length;
    }
    return { supportLoss, queryLoss };
  }

  /** One outer step: meta-gradients averaged over the step's tasks, then both outer optimizers step. */
  async outerStep(): Promise<MetaLossPoint> {
    const tasks = this.tasksAt(this.step);
    const sums: { init: Record<string, tf.Tensor>; regulator: Record<string, tf.Tensor> } = { init: {}, regulator: {} };
    let supportLoss = 0;
    let queryLoss = 0;
    try {
      for (const task of tasks) {
        const outcome = await this.withTask(task, (s, q) => runTask(this.model, s, q, this.settings, true));
        accumulate(sums.init, outcome.initGrad!, 1 / tasks.length);
        accumulate(sums.regulator, outcome.regulatorGrad!, 1 / tasks.length);
        supportLoss += outcome.supportLoss / tasks.length;
        queryLoss += outcome.queryLoss / tasks.length;
      }
      this.initOptimizer.step(sums.init);
      this.regulatorOptimizer?.step(sums.regulator);
    } finally {
      tf.dispose([...Object.values(sums.init), ...Object.values(sums.regulator)]);
    }
    const point = { step: this.step, supportLoss, queryLoss };
    this.losses.push(point);
    this.step += 1;
    return point;
  }

  /** The meta-checkpoint of the current state. */
  checkpoint(wallTimeMs?: number): MetaCheckpoint {
    const params = Object.fromEntries(this.layout.map((p) => [p.name, { shape: [...p.shape], role: p.role }]));
    const specs = Object.fromEntries((["text", "vision"] as const).map((m) => [m, this.specs[m]])) as MetaCheckpointInfo["regulators"];
    return {
      info: {
        format: metaCheckpointFormat,
        version: 1,
        method: this.method.name,
        methodOptions: this.methodOptions,
        regulate: this.regulators.options.mode,
        regulators: specs,
        params,
        backbone: { ...(this.backbone.name ? { name: this.backbone.name } : {}), hash: backboneHash(this.backbone.model) },
        corpus: { name: this.corpus.name, size: this.corpus.size },
        metaTraining: this.settings,
        steps: this.step,
        losses: [...this.losses],
        ...(wallTimeMs !== undefined ? { wallTimeMs } : {}),
        createdAt: new Date().toISOString(),
      },
      init: stateOf(this.init),
      regulator: this.regulators.state(),
    };
  }

  dispose(): void {
    this.initOptimizer.dispose();
    this.regulatorOptimizer?.dispose();
    this.regulators.dispose();
    tf.dispose(Object.values(this.init));
  }
}

/** sum[name] += weight * grads[name]; consumes `grads`. */
function accumulate(sum: Record<string, tf.Tensor>, grads: Record<string, tf.Tensor>, weight: number): void {
  for (const [name, g] of Object.entries(grads)) {
    const next = tf.tidy(() => (sum[name] ? tf.add(sum[name]!, tf.mul(g, weight)) : tf.mul(g, weight)));
    sum[name]?.dispose();
    g.dispose();
    sum[name] = next;
  }
}
