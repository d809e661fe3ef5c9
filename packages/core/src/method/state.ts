import * as tf from "@tensorflow/tfjs";
import type { LearnerState } from "./contract.js";
import { methodErrors } from "./errors.js";

/** Copy variables out as plain arrays (what a checkpoint stores). */
export function stateOf(params: Readonly<Record<string, tf.Variable>>): LearnerState {
  const out: Record<string, { shape: number[]; data: Float32Array }> = {};
  for (const [name, variable] of Object.entries(params)) {
    out[name] = { shape: [...variable.shape], data: Float32Array.from(variable.dataSync() as Float32Array) };
  }
  return out;
}

/** Assign saved arrays into variables; every name must be present with the same shape. */
export function loadStateInto(params: Readonly<Record<string, tf.Variable>>, state: LearnerState, owner = "learner"): void {
  for (const [name, variable] of Object.entries(params)) {
    const saved = state[name];
    if (!saved) {
      throw methodErrors.make("VLP_METHOD_STATE", `${owner}: the saved state has no "${name}" (it has ${Object.keys(state).join(", ") || "nothing"})`);
    }
    const same = saved.shape.length === variable.shape.length && saved.shape.every((d, i) => d === variable.shape[i]);
    if (!same || saved.data.length !== variable.size) {
      throw methodErrors.make(
        "VLP_METHOD_STATE",
        `${owner}: "${name}" is saved with shape [${saved.shape}] but the learner has shape [${variable.shape}]`,
      );
    }
  }
  for (const [name, variable] of Object.entries(params)) {
    const saved = state[name]!;
    // Copy: on cpu a tensor keeps the very array it was made from, so later edits to `state` would leak in.
    tf.tidy(() => variable.assign(tf.tensor(Float32Array.from(saved.data), saved.shape, "float32")));
  }
}

/** A trainable float32 variable from plain values. */
export function variableFrom(name: string, shape: number[], data: Float32Array): tf.Variable {
  const initial = tf.tensor(data, shape, "float32");
  const variable = tf.variable(initial, true, `${name}_${nextId++}`); // shares the data (reference-counted)
  initial.dispose();
  return variable;
}
let nextId = 0;

/**
 * PyTorch's default nn.Linear initialisation: weight and bias ~ U(-1/sqrt(in), 1/sqrt(in)).
 * Returns the weight as [out, in] (PyTorch layout) and the bias [out].
 */
export function torchLinearInit(rng: { uniformArray(n: number, low: number, high: number): Float32Array }, inDim: number, outDim: number) {
  const bound = 1 / Math.sqrt(inDim);
  return { weight: rng.uniformArray(outDim * inDim, -bound, bound), bias: rng.uniformArray(outDim, -bound, bound) };
}
