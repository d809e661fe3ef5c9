/**
 * The contract between the experiment layer and the training engine: what one run is (RunSpec), what it
 * yields (RunResult), and how the engine is called (RunExecutor, MetaTrainExecutor). Accuracies are
 * fractions in [0, 1]; reports show them as percentages.
 */
import type { MetaTrainingConfig, ProtocolKind, Recipe } from "./schema.js";

/** The frozen backbone of a run: the built-in one or absolute paths. */
export type BackboneSpec =
  | { readonly kind: "default" }
  | { readonly kind: "files"; readonly weights: string; readonly tokenizer: string; readonly config?: string };

export interface ProtocolSpec {
  readonly kind: ProtocolKind;
  /** Cross-dataset target datasets or cross-domain target domains; empty otherwise. */
  readonly targets: readonly string[];
}

/** GRAM settings of one run. */
export interface GramSpec {
  readonly init: boolean;
  readonly regulate: boolean;
  readonly options: Readonly<Record<string, unknown>>;
  /** Absolute path of the meta-checkpoint the run loads. */
  readonly metaCheckpoint: string;
  /** The meta-training job that produces `metaCheckpoint`; null when the manifest named an existing file. */
  readonly metaJobId: string | null;
}

/** One cell of the grid: one method entry on one dataset with one shot count and one seed. */
export interface RunSpec {
  /** Stable id: a hash of everything below that changes the result (not of the manifest's name). */
  readonly id: string;
  readonly experiment: string;
  readonly entryId: string;
  readonly method: string;
  /** The method's options: its defaults with the entry's overrides applied. */
  readonly options: Readonly<Record<string, unknown>>;
  readonly gram: GramSpec | null;
  readonly dataset: string;
  readonly protocol: ProtocolSpec;
  readonly shots: number;
  readonly seed: number;
  readonly recipe: Readonly<Recipe>;
  readonly backbone: BackboneSpec;
  readonly backend: string;
  /** Where the run may write files (checkpoint, log); created before the executor is called. */
  readonly runDir: string;
  readonly saveCheckpoint: boolean;
}

/** A meta-training job: produced once per (method, options, backbone, meta-training settings), reused. */
export interface MetaJobSpec {
  readonly id: string;
  readonly method: string;
  readonly options: Readonly<Record<string, unknown>>;
  readonly gramOptions: Readonly<Record<string, unknown>>;
  readonly backbone: BackboneSpec;
  readonly backend: string;
  readonly metaTraining: Readonly<MetaTrainingConfig>;
  /** Absolute path the meta-trainer must write the checkpoint to. */
  readonly checkpointPath: string;
  /** Entry ids of the runs that need this checkpoint. */
  readonly usedBy: readonly string[];
}

/** One point of a training curve. */
export interface CurvePoint {
  readonly epoch: number;
  readonly loss: number;
  readonly accuracy?: number;
}

export interface RunResult {
  /** Top-1 accuracy of the main evaluation (few-shot: test split; base-to-new: base classes; cross-*: source). */
  readonly accuracy: number;
  /** Accuracy per class name of the main evaluation. */
  readonly perClassAccuracy: Readonly<Record<string, number>>;
  /** Base-to-new only: accuracy on the base and on the new classes. */
  readonly baseAccuracy?: number;
  readonly newAccuracy?: number;
  /** Cross-dataset and cross-domain: accuracy on each target. */
  readonly targetAccuracy?: Readonly<Record<string, number>>;
  readonly wallTimeMs: number;
  /** Training loss (and optional accuracy) per epoch. */
  readonly curve: readonly CurvePoint[];
  /** The tfjs backend that ran it ("wasm", "cpu", ...). */
  readonly backend: string;
  /** Free-form facts worth keeping (precision, parameter count, checkpoint path, ...). */
  readonly details?: Readonly<Record<string, unknown>>;
}

/** What the executor reports while a run trains (all optional except the phase). */
export interface RunProgress {
  readonly phase: "prepare" | "train" | "evaluate";
  readonly epoch?: number;
  readonly epochs?: number;
  readonly step?: number;
  readonly steps?: number;
  readonly loss?: number;
}

export interface ExecutionContext {
  /** Report progress; cheap, call it as often as you like. */
  progress(update: RunProgress): void;
  /** Aborted when the user interrupts; stop at the next step boundary and throw. */
  readonly signal: AbortSignal;
}

export type RunExecutor = (spec: RunSpec, context: ExecutionContext) => Promise<RunResult>;

export interface MetaTrainResult {
  readonly checkpointPath: string;
  readonly wallTimeMs: number;
  readonly details?: Readonly<Record<string, unknown>>;
}

export type MetaTrainExecutor = (job: MetaJobSpec, context: ExecutionContext) => Promise<MetaTrainResult>;

/** One line of results.jsonl. */
export type RunRecord =
  | { readonly v: 1; readonly id: string; readonly status: "done"; readonly finishedAt: string; readonly spec: RunSpec; readonly result: RunResult }
  | {
      readonly v: 1;
      readonly id: string;
      readonly status: "failed";
      readonly finishedAt: string;
      readonly spec: RunSpec;
      readonly error: { readonly code?: string; readonly message: string };
    };

export type DoneRecord = Extract<RunRecord, { status: "done" }>;
