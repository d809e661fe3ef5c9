import type * as tf from "@tensorflow/tfjs";
import type { LearningRate } from "../schedule.js";
import { optimErrors } from "./errors.js";
import type { NamedTensors } from "./types.js";

interface Range {
  readonly min?: number;
  /** Exclusive upper bound. */
  readonly below?: number;
  /** Exclusive lower bound. */
  readonly above?: number;
}

/** Throw VLP_OPTIM_BAD_HYPERPARAMETER unless `value` is finite and inside `range`. */
export function requireHyperparameter(what: string, value: number, range: Range = {}): void {
  const bad =
    typeof value !== "number" ||
    !Number.isFinite(value) ||
    (range.min !== undefined && value < range.min) ||
    (range.above !== undefined && value <= range.above) ||
    (range.below !== undefined && value >= range.below);
  if (!bad) return;
  const bounds = [
    range.min !== undefined ? `>= ${range.min}` : "",
    range.above !== undefined ? `> ${range.above}` : "",
    range.below !== undefined ? `< ${range.below}` : "",
  ].filter(Boolean);
  const need = bounds.length > 0 ? `a finite number ${bounds.join(" and ")}` : "a finite number";
  throw optimErrors.make("VLP_OPTIM_BAD_HYPERPARAMETER", `${what} must be ${need}, got ${String(value)}`);
}

/** A fixed learning rate must be finite and >= 0; a schedule is checked each time it is read. */
export function requireLearningRate(what: string, lr: LearningRate): void {
  if (typeof lr === "number") requireHyperparameter(what, lr, { min: 0 });
  else if (typeof lr !== "function" && (typeof lr !== "object" || lr === null || typeof lr.at !== "function")) {
    throw optimErrors.make("VLP_OPTIM_BAD_HYPERPARAMETER", `${what} must be a number or a schedule, got ${String(lr)}`);
  }
}

function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((size, axis) => size === b[axis]);
}

/**
 * Check that `tensors` has exactly the names of `reference`, each float32 with the same shape.
 * `kind` names what is checked in the message ("gradient", "update", "output of mapGradients").
 */
export function requireMatchingTensors(
  kind: string,
  tensors: NamedTensors,
  reference: NamedTensors,
  code: "VLP_OPTIM_GRADIENT_MISMATCH" | "VLP_OPTIM_BAD_LINK_OUTPUT" = "VLP_OPTIM_GRADIENT_MISMATCH",
): void {
  const fail = (detail: string) => optimErrors.make(code, detail);
  if (typeof tensors !== "object" || tensors === null) throw fail(`expected a map of ${kind}s, got ${String(tensors)}`);
  const names = Object.keys(reference);
  const missing = names.filter((name) => !(name in tensors));
  if (missing.length > 0) throw fail(`no ${kind} for ${missing.map((n) => `"${n}"`).join(", ")}`);
  const extra = Object.keys(tensors).filter((name) => !(name in reference));
  if (extra.length > 0) throw fail(`${kind} for unknown name(s) ${extra.map((n) => `"${n}"`).join(", ")}`);
  for (const name of names) {
    const tensor: tf.Tensor | undefined = tensors[name];
    const expected = reference[name]!;
    if (tensor === undefined || tensor === null || typeof tensor !== "object" || !("shape" in tensor)) {
      throw fail(`${kind} for "${name}" is not a tensor`);
    }
    if (tensor.isDisposed) throw fail(`${kind} for "${name}" was already disposed`);
    if (tensor.dtype !== "float32") throw fail(`${kind} for "${name}" is ${tensor.dtype}, expected float32`);
    if (!sameShape(tensor.shape, expected.shape)) {
      throw fail(`${kind} for "${name}" has shape [${tensor.shape}], the parameter has [${expected.shape}]`);
    }
  }
}
