/**
 * Meta-checkpoints: the meta-learned initialisation (one tensor per learner parameter) and regulator, in a
 * safetensors file (`init/<param>`, `regulator/<name>`), with a JSON sidecar beside it (same path, .json)
 * that says what they were made from. Format: docs/gram.md.
 */
import { readFileSync, renameSync, writeFileSync } from "node:fs";
import type * as tf from "@tensorflow/tfjs";
import type { LearnerState } from "../method/contract.js";
import { encodeSafetensors, parseSafetensors } from "../tensor/safetensors.js";
import { gramErrors } from "./errors.js";
import type { ParamRole } from "./layout.js";
import type { RegulateMode } from "./regulator-set.js";
import type { RegulatorSpec } from "./regulators.js";

export const metaCheckpointFormat = "vlprompt-gram-meta";

export interface MetaLossPoint {
  readonly step: number;
  /** Mean support loss at the initialisation (before adaptation). */
  readonly supportLoss: number;
  /** Mean query loss after the inner updates (the meta-objective). */
  readonly queryLoss: number;
}

/** Everything in the JSON sidecar. */
export interface MetaCheckpointInfo {
  readonly format: typeof metaCheckpointFormat;
  readonly version: 1;
  readonly method: string;
  readonly methodOptions: Readonly<Record<string, unknown>>;
  readonly regulate: RegulateMode;
  readonly regulators: Readonly<Record<"text" | "vision", RegulatorSpec>>;
  readonly params: Readonly<Record<string, { readonly shape: readonly number[]; readonly role: ParamRole }>>;
  readonly backbone: { readonly name?: string; readonly hash: string };
  readonly corpus: { readonly name: string; readonly size: number };
  readonly metaTraining: Readonly<Record<string, unknown>>;
  readonly steps: number;
  readonly losses: readonly MetaLossPoint[];
  readonly wallTimeMs?: number;
  readonly createdAt: string;
}

export interface MetaCheckpoint {
  readonly info: MetaCheckpointInfo;
  /** Initial value of every learner parameter, by parameter name. */
  readonly init: LearnerState;
  /** Regulator variables by RegulatorSet name ("text/W", "gate/metaNet", ...). */
  readonly regulator: LearnerState;
}

/** The sidecar of `x.safetensors` is `x.json`. */
export function sidecarPath(path: string): string {
  return path.endsWith(".safetensors") ? `${path.slice(0, -".safetensors".length)}.json` : `${path}.json`;
}

function writeAtomic(path: string, data: Uint8Array | string): void {
  const tmp = `${path}.tmp-${process.pid}`;
  writeFileSync(tmp, data);
  renameSync(tmp, path);
}

/** Write the tensors, then the sidecar (a reader that finds the sidecar finds complete tensors). */
export function saveMetaCheckpoint(path: string, checkpoint: MetaCheckpoint): void {
  const tensors: Record<string, { shape: number[]; data: Float32Array }> = {};
  for (const [name, t] of Object.entries(checkpoint.init)) tensors[`init/${name}`] = { shape: [...t.shape], data: t.data };
  for (const [name, t] of Object.entries(checkpoint.regulator)) tensors[`regulator/${name}`] = { shape: [...t.shape], data: t.data };
  writeAtomic(path, encodeSafetensors(tensors, { "vlprompt.format": metaCheckpointFormat, method: checkpoint.info.method }));
  writeAtomic(sidecarPath(path), `${JSON.stringify(checkpoint.info, null, 1)}\n`);
}

function readSidecar(path: string): MetaCheckpointInfo {
  let info: MetaCheckpointInfo;
  try {
    info = JSON.parse(readFileSync(sidecarPath(path), "utf8"));
  } catch (error) {
    throw gramErrors.make("VLP_GRAM_CHECKPOINT", `cannot read the sidecar ${sidecarPath(path)} of meta-checkpoint ${path}: ${(error as Error).message}`);
  }
  if (info?.format !== metaCheckpointFormat || info.version !== 1) {
    throw gramErrors.make("VLP_GRAM_CHECKPOINT", `${sidecarPath(path)} is not a vlprompt GRAM meta-checkpoint sidecar (format ${JSON.stringify(info?.format)})`);
  }
  return info;
}

/** Read a meta-checkpoint written by saveMetaCheckpoint (synchronously: learners are created synchronously). */
export function readMetaCheckpoint(path: string): MetaCheckpoint {
  const info = readSidecar(path);
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch (error) {
    throw gramErrors.make("VLP_GRAM_CHECKPOINT", `cannot read meta-checkpoint ${path}: ${(error as Error).message}`);
  }
  const { tensors } = parseSafetensors(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength), path);
  const init: Record<string, { shape: number[]; data: Float32Array }> = {};
  const regulator: Record<string, { shape: number[]; data: Float32Array }> = {};
  for (const [name, t] of tensors) {
    const entry = { shape: [...t.shape], data: Float32Array.from(t.data as ArrayLike<number>) };
    if (name.startsWith("init/")) init[name.slice(5)] = entry;
    else if (name.startsWith("regulator/")) regulator[name.slice(10)] = entry;
  }
  return { info, init, regulator };
}

const sameShape = (a: readonly number[], b: readonly number[]) => a.length === b.length && a.every((d, i) => d === b[i]);

/**
 * Check that the checkpoint was made for this method and exactly these parameters with these shapes.
 * A shape difference is VLP_GRAM_SHAPE naming both shapes; a name difference is VLP_GRAM_CHECKPOINT.
 */
export function checkCheckpointFits(checkpoint: MetaCheckpoint, method: string, params: Readonly<Record<string, tf.Variable>>, source: string): void {
  if (checkpoint.info.method !== method) {
    throw gramErrors.make("VLP_GRAM_CHECKPOINT", `${source} was meta-trained for method "${checkpoint.info.method}", not "${method}"`);
  }
  const saved = Object.keys(checkpoint.init).sort();
  const ours = Object.keys(params).sort();
  if (saved.join("\n") !== ours.join("\n")) {
    throw gramErrors.make("VLP_GRAM_CHECKPOINT", `${source} holds parameters ${saved.join(", ")}; the ${method} learner has ${ours.join(", ")}`);
  }
  for (const name of ours) {
    const want = params[name]!.shape;
    const have = checkpoint.init[name]!.shape;
    if (!sameShape(want, have)) {
      throw gramErrors.make(
        "VLP_GRAM_SHAPE",
        `${source}: parameter "${name}" was meta-trained with shape [${have}], but ${method} with these options has shape [${want}]`,
      );
    }
  }
}
