/**
 * The evaluation protocols of the prompt-tuning papers, for one (dataset, shots, seed):
 * - few-shot: K shots per class of the train split, evaluate on the full test split;
 * - base-to-new: K shots sampled over all classes, keep the base half (relabelled), train; evaluate on the base
 *   and on the new classes of the test split (the learner is rebuilt for the new class names);
 * - cross-dataset: train on the source as few-shot, evaluate on the source and on every target's test split with
 *   no further training (class-dependent parts rebuilt from the target's class names);
 * - cross-domain: the same, with targets that share the source's classes (another style of the same classes).
 * Seeds pick the few-shot sample (data layer) and, through Rng(seed) forks, the initialisation, batch order and
 * augmentation.
 */
import type { ClassificationDataset } from "../data/dataset.js";
import { baseNewSplit, fewShot } from "../data/splits.js";
import type { ProtocolKind } from "../experiment/schema.js";
import type { CurvePoint } from "../experiment/types.js";
import type { Backbone, PromptLearner } from "../method/contract.js";
import type { MethodDefinition } from "../method/define.js";
import { Rng } from "../tensor/rng.js";
import type { TrainRecipe } from "../train/recipes.js";
import { train, type TrainerOptions, type TrainingReport } from "../train/trainer.js";
import { evalErrors } from "./errors.js";
import { evaluateLearner, type EvaluationResult } from "./evaluate.js";

export type DatasetSplit = "train" | "test";

/** Where a protocol gets its datasets: a named dataset's train or test split (the data layer provides one). */
export interface DatasetProvider {
  load(name: string, split: DatasetSplit): ClassificationDataset | Promise<ClassificationDataset>;
}

export interface ProtocolTask {
  readonly kind: ProtocolKind;
  readonly dataset: string;
  readonly shots: number;
  readonly seed: number;
  /** Cross-dataset target datasets or cross-domain target domains. */
  readonly targets?: readonly string[];
}

export type EvaluationRole = "test" | "base" | "new" | "target";

export interface EvaluationSet {
  readonly role: EvaluationRole;
  /** The dataset name for "test" and "target", "base" / "new" for the base-to-new halves. */
  readonly name: string;
  readonly dataset: ClassificationDataset;
}

export interface ProtocolData {
  readonly task: ProtocolTask;
  readonly train: ClassificationDataset;
  /** The first set is the main evaluation (test split, or the base classes). */
  readonly sets: readonly EvaluationSet[];
}

function sameClasses(a: ClassificationDataset, b: ClassificationDataset): boolean {
  return a.classNames.length === b.classNames.length && a.classNames.every((name, i) => name === b.classNames[i]);
}

function requireSameClasses(a: ClassificationDataset, b: ClassificationDataset, why: string): void {
  if (sameClasses(a, b)) return;
  throw evalErrors.make(
    "VLP_EVAL_CLASS_MISMATCH",
    `${why}: ${a.name} has ${a.classNames.length} classes (${a.classNames.slice(0, 4).join(", ")}...), ${b.name} has ${b.classNames.length} (${b.classNames.slice(0, 4).join(", ")}...)`,
  );
}

async function targetSets(provider: DatasetProvider, task: ProtocolTask, source: ClassificationDataset): Promise<EvaluationSet[]> {
  const targets = task.targets ?? [];
  if (targets.length === 0) throw evalErrors.make("VLP_EVAL_BAD_PROTOCOL", `${task.kind} needs at least one target`);
  const sets: EvaluationSet[] = [];
  for (const name of targets) {
    const dataset = await provider.load(name, "test");
    if (task.kind === "cross-domain") requireSameClasses(source, dataset, `cross-domain target ${name} must have the source's classes`);
    sets.push({ role: "target", name, dataset });
  }
  return sets;
}

/** The training set and the evaluation sets of one protocol cell. */
export async function protocolData(provider: DatasetProvider, task: ProtocolTask): Promise<ProtocolData> {
  const trainFull = await provider.load(task.dataset, "train");
  const test = await provider.load(task.dataset, "test");
  const sampled = fewShot(trainFull, { shots: task.shots, seed: task.seed });
  switch (task.kind) {
    case "few-shot":
      return { task, train: sampled, sets: [{ role: "test", name: task.dataset, dataset: test }] };
    case "base-to-new": {
      requireSameClasses(trainFull, test, "base-to-new splits the classes of the train and test splits alike");
      const split = baseNewSplit(trainFull);
      return {
        task,
        train: sampled.selectClasses(split.baseClasses, `${trainFull.name}/base`),
        sets: [
          { role: "base", name: "base", dataset: test.selectClasses(split.baseClasses, `${test.name}/base`) },
          { role: "new", name: "new", dataset: test.selectClasses(split.newClasses, `${test.name}/new`) },
        ],
      };
    }
    case "cross-dataset":
    case "cross-domain":
      return { task, train: sampled, sets: [{ role: "test", name: task.dataset, dataset: test }, ...(await targetSets(provider, task, test))] };
    default:
      throw evalErrors.make("VLP_EVAL_BAD_PROTOCOL", `unknown protocol "${String((task as ProtocolTask).kind)}"`);
  }
}

export interface ProtocolRunOptions {
  readonly backbone: Backbone;
  readonly method: MethodDefinition;
  /** Parsed method options. */
  readonly options: unknown;
  readonly data: ProtocolData;
  readonly recipe: TrainRecipe;
  /** Seeds Rng: fork("init") initialises the learner, the trainer forks sampling and augmentation. */
  readonly seed: number;
  /** Trainer settings passed through (hooks, feature cache, checkpoints, resume, signal, progress, ...). */
  readonly trainer?: Partial<Omit<TrainerOptions, "backbone" | "learner" | "dataset" | "recipe" | "seed">>;
  readonly onEvaluate?: (set: EvaluationSet) => void;
}

export interface ProtocolRunResult {
  /** Main evaluation: the test split (few-shot, cross-*) or the base classes (base-to-new). */
  readonly accuracy: number;
  readonly perClassAccuracy: Readonly<Record<string, number>>;
  readonly baseAccuracy?: number;
  readonly newAccuracy?: number;
  readonly targetAccuracy?: Readonly<Record<string, number>>;
  readonly curve: readonly CurvePoint[];
  readonly training: TrainingReport;
  /** Every evaluation by set name. */
  readonly evaluations: Readonly<Record<string, EvaluationResult>>;
  /** Trainable parameter count of the learner. */
  readonly parameterCount: number;
}

function parameterCount(learner: PromptLearner): number {
  return Object.values(learner.params).reduce((sum, variable) => sum + variable.size, 0);
}

/** Evaluate on one set, rebuilding the learner for its class names when they differ from the training classes. */
async function evaluateOn(run: ProtocolRunOptions, trained: PromptLearner, set: EvaluationSet): Promise<EvaluationResult> {
  const { backbone, method, options, data, recipe } = run;
  const batchSize = recipe.evalBatchSize;
  const signal = run.trainer?.signal;
  if (sameClasses(set.dataset, data.train)) return evaluateLearner(backbone, trained, set.dataset, { batchSize, signal });
  const learner = method.create(options, { backbone, classNames: set.dataset.classNames, rng: new Rng(run.seed).fork("init") });
  try {
    learner.load(trained.state());
    return await evaluateLearner(backbone, learner, set.dataset, { batchSize, signal });
  } finally {
    learner.dispose();
  }
}

function resultFrom(data: ProtocolData, evaluations: Record<string, EvaluationResult>): Omit<ProtocolRunResult, "curve" | "training" | "parameterCount"> {
  const main = evaluations[data.sets[0]!.name]!;
  const targets = data.sets.filter((set) => set.role === "target");
  return {
    accuracy: main.accuracy,
    perClassAccuracy: main.perClassAccuracy,
    ...(data.task.kind === "base-to-new" ? { baseAccuracy: evaluations.base!.accuracy, newAccuracy: evaluations.new!.accuracy } : {}),
    ...(targets.length > 0 ? { targetAccuracy: Object.fromEntries(targets.map((set) => [set.name, evaluations[set.name]!.accuracy])) } : {}),
    evaluations,
  };
}

/** Train a fresh learner on the protocol's training set, then evaluate it on every evaluation set. */
export async function runProtocol(run: ProtocolRunOptions): Promise<ProtocolRunResult> {
  const { backbone, method, options, data, recipe, seed } = run;
  const learner = method.create(options, { backbone, classNames: data.train.classNames, rng: new Rng(seed).fork("init") });
  try {
    const training = await train({ ...run.trainer, backbone, learner, dataset: data.train, recipe, seed });
    const evaluations: Record<string, EvaluationResult> = {};
    for (const set of data.sets) {
      run.onEvaluate?.(set);
      evaluations[set.name] = await evaluateOn(run, learner, set);
    }
    return { ...resultFrom(data, evaluations), curve: training.curve, training, parameterCount: parameterCount(learner) };
  } finally {
    learner.dispose();
  }
}
