/**
 * Checkpoints: the learned parameters only (learner.state()), the optimizer state and where training stands,
 * in one safetensors file (written atomically; its metadata holds the JSON description) plus a readable JSON
 * copy of that description beside it. Class-dependent buffers are never saved: a learner rebuilt for other class
 * names loads the same file (cross-dataset evaluation).
 */
import { writeFile } from "node:fs/promises";
import type { CurvePoint } from "../experiment/types.js";
import type { LearnerState } from "../method/contract.js";
import { readSafetensors, writeSafetensors, type TensorToWrite } from "../tensor/safetensors.js";
import type { OptimizerSnapshot } from "./optim/optimizer.js";
import { trainErrors } from "./errors.js";

export const CHECKPOINT_FORMAT = "vlprompt-checkpoint";
const META_KEY = "vlprompt.checkpoint";
const LEARNER = "learner/";
const OPTIMIZER = "optimizer/";

/** What a checkpoint says about itself (also written as `<name>.json`). */
export interface CheckpointMeta {
  readonly format: typeof CHECKPOINT_FORMAT;
  readonly v: 1;
  /** Epochs completed. */
  readonly epoch: number;
  /** Optimizer updates applied. */
  readonly step: number;
  /** The class names the learner was trained with. */
  readonly classNames: readonly string[];
  /** The registered method name and its parsed options (what `evaluate(checkpoint, dataset)` rebuilds). */
  readonly method?: string;
  readonly options?: Readonly<Record<string, unknown>>;
  /** The training curve so far (so a resumed run reports the whole curve). */
  readonly curve: readonly CurvePoint[];
  /** Best validation accuracy so far and its epoch (1-based), when validation ran. */
  readonly best?: { readonly epoch: number; readonly accuracy: number };
  /** The optimizer's counters; its tensors are in the file when present. */
  readonly optimizer?: { readonly step: number; readonly epoch: number };
  /** Anything else worth keeping (GRAM settings, recipe, backbone name, seed, ...). */
  readonly extra?: Readonly<Record<string, unknown>>;
  readonly savedAt: string;
}

export interface Checkpoint {
  readonly meta: CheckpointMeta;
  readonly learner: LearnerState;
  readonly optimizer?: OptimizerSnapshot;
}

/** The JSON file written beside a checkpoint. */
export function sidecarPath(path: string): string {
  return path.replace(/\.safetensors$/, "") + ".json";
}

export async function saveCheckpoint(path: string, checkpoint: Checkpoint): Promise<void> {
  const tensors: Record<string, TensorToWrite> = {};
  for (const [name, value] of Object.entries(checkpoint.learner)) tensors[LEARNER + name] = { shape: value.shape, data: value.data };
  if (checkpoint.optimizer) {
    for (const [name, data] of Object.entries(checkpoint.optimizer.tensors)) tensors[OPTIMIZER + name] = { shape: [data.length], data };
  }
  const meta: CheckpointMeta = {
    ...checkpoint.meta,
    ...(checkpoint.optimizer ? { optimizer: { step: checkpoint.optimizer.step, epoch: checkpoint.optimizer.epoch } } : {}),
  };
  await writeSafetensors(path, tensors, { [META_KEY]: JSON.stringify(meta) });
  await writeFile(sidecarPath(path), JSON.stringify(meta, null, 2) + "\n");
}

function parseMeta(raw: string | undefined, path: string): CheckpointMeta {
  let meta: CheckpointMeta;
  try {
    meta = JSON.parse(raw ?? "null") as CheckpointMeta;
  } catch (cause) {
    throw trainErrors.make("VLP_TRAIN_CHECKPOINT", `${path}: its checkpoint description is not valid JSON`, { cause });
  }
  if (!meta || meta.format !== CHECKPOINT_FORMAT) {
    throw trainErrors.make("VLP_TRAIN_CHECKPOINT", `${path} is not a vlprompt checkpoint (no "${META_KEY}" metadata)`);
  }
  return meta;
}

export async function readCheckpoint(path: string): Promise<Checkpoint> {
  let file: Awaited<ReturnType<typeof readSafetensors>>;
  try {
    file = await readSafetensors(path);
  } catch (cause) {
    throw trainErrors.make("VLP_TRAIN_CHECKPOINT", `cannot read checkpoint ${path}: ${(cause as Error).message}`, { cause });
  }
  const meta = parseMeta(file.metadata[META_KEY], path);
  const learner: Record<string, { shape: number[]; data: Float32Array }> = {};
  const optimizerTensors: Record<string, Float32Array> = {};
  for (const [name, array] of file.tensors) {
    const data = Float32Array.from(array.data as ArrayLike<number>);
    if (name.startsWith(LEARNER)) learner[name.slice(LEARNER.length)] = { shape: [...array.shape], data };
    else if (name.startsWith(OPTIMIZER)) optimizerTensors[name.slice(OPTIMIZER.length)] = data;
  }
  const optimizer = meta.optimizer ? { step: meta.optimizer.step, epoch: meta.optimizer.epoch, tensors: optimizerTensors } : undefined;
  return { meta, learner, ...(optimizer ? { optimizer } : {}) };
}
