/**
 * Gradient regulating functions psi: [rows, width] -> [rows, width], applied to the gradient of prompt
 * tokens (one row per token), weights shared by every row of a modality. Designs (docs/gram.md):
 * - "gated" (default, identity at init): psi(g) = 2 sigmoid(x W + b) * g, x = g or g / |g| per row; W, b = 0;
 * - "diagonal": psi(g) = 2 sigmoid(x * w + b) * g (element-wise weights), w, b = 0;
 * - "supmer": SUPMER's low-rank ReLU MLP, norm preserved (per row or global), blended with the raw gradient
 *   as (1 - c) MLP(g) + c g, c = sigmoid(blend) a learned scalar (SUPMER predicts c from a task embedding);
 * - "identity": psi(g) = g, no parameters (ablations).
 */
import * as tf from "@tensorflow/tfjs";
import type { Rng } from "../tensor/rng.js";

export type RegulatorKind = "gated" | "diagonal" | "supmer" | "identity";

export interface RegulatorSpec {
  readonly kind: RegulatorKind;
  /** gated/diagonal: feed the gate g ("none") or the row direction g / |g| ("row"). Default "row". */
  readonly inputNorm?: "none" | "row";
  /** supmer: rank of each low-rank layer (capped at the width). Default 64. */
  readonly rank?: number;
  /** supmer: number of low-rank ReLU layers (SUPMER's n_hidden + 1). Default 2. */
  readonly layers?: number;
  /** supmer: rescale the MLP output to the raw gradient's norm per row or globally. Default "row". */
  readonly normPreserve?: "row" | "global";
  /** supmer: initial blend logit; c = sigmoid(blendInit) is the raw gradient's share. Default 0 (c = 0.5). */
  readonly blendInit?: number;
}

export interface Regulator {
  readonly spec: RegulatorSpec;
  readonly width: number;
  /** Meta-learned variables by local name ("W", "b", ...); empty for identity. */
  readonly params: Readonly<Record<string, tf.Variable>>;
  /** psi on rows [n, width]; a fresh tensor (identity returns its input). Runs in the caller's tidy. */
  apply(rows: tf.Tensor2D): tf.Tensor2D;
  dispose(): void;
}

const tiny = 1e-30;

/** L2 norm of each row, [n, 1], differentiable at 0. */
export function rowNorms(rows: tf.Tensor2D): tf.Tensor2D {
  return tf.sqrt(tf.add(tf.sum(tf.square(rows), 1, true), tiny)) as tf.Tensor2D;
}

function globalNorm(x: tf.Tensor): tf.Scalar {
  return tf.sqrt(tf.add(tf.sum(tf.square(x)), tiny)) as tf.Scalar;
}

function gateInput(rows: tf.Tensor2D, spec: RegulatorSpec): tf.Tensor2D {
  return (spec.inputNorm ?? "row") === "row" ? tf.div(rows, rowNorms(rows)) : rows;
}

/** A trainable variable holding `values` (which it takes over: the initial tensor is freed). */
export function ownedVariable(name: string, values: tf.Tensor): tf.Variable {
  const v = tf.variable(values, true, `gram_${name}_${nextId++}`);
  values.dispose();
  return v;
}
const variable = ownedVariable;
let nextId = 0;

class GatedRegulator implements Regulator {
  readonly params: { W: tf.Variable; b: tf.Variable };
  constructor(readonly spec: RegulatorSpec, readonly width: number) {
    this.params = { W: variable("W", tf.zeros([width, width])), b: variable("b", tf.zeros([width])) };
  }
  apply(rows: tf.Tensor2D): tf.Tensor2D {
    const preactivation = tf.add(tf.matMul(gateInput(rows, this.spec), this.params.W), this.params.b); // [n, width]
    return tf.mul(tf.mul(tf.sigmoid(preactivation), 2), rows);
  }
  dispose(): void {
    tf.dispose(Object.values(this.params));
  }
}

class DiagonalRegulator implements Regulator {
  readonly params: { w: tf.Variable; b: tf.Variable };
  constructor(readonly spec: RegulatorSpec, readonly width: number) {
    this.params = { w: variable("w", tf.zeros([width])), b: variable("b", tf.zeros([width])) };
  }
  apply(rows: tf.Tensor2D): tf.Tensor2D {
    const preactivation = tf.add(tf.mul(gateInput(rows, this.spec), this.params.w), this.params.b); // [n, width]
    return tf.mul(tf.mul(tf.sigmoid(preactivation), 2), rows);
  }
  dispose(): void {
    tf.dispose(Object.values(this.params));
  }
}

class SupmerRegulator implements Regulator {
  readonly params: Record<string, tf.Variable> = {};
  private readonly layers: number;
  constructor(readonly spec: RegulatorSpec, readonly width: number, rng: Rng) {
    const rank = Math.min(spec.rank ?? 64, width);
    this.layers = spec.layers ?? 2;
    for (let l = 0; l < this.layers; l++) {
      this.params[`down${l}`] = variable(`down${l}`, tf.tensor2d(rng.normalArray(width * rank, 1 / Math.sqrt(width)), [width, rank]));
      this.params[`up${l}`] = variable(`up${l}`, tf.tensor2d(rng.normalArray(rank * width, 1 / Math.sqrt(rank)), [rank, width]));
      this.params[`bias${l}`] = variable(`bias${l}`, tf.zeros([width]));
    }
    this.params.blend = variable("blend", tf.scalar(spec.blendInit ?? 0));
  }
  apply(rows: tf.Tensor2D): tf.Tensor2D {
    let hidden = rows;
    for (let l = 0; l < this.layers; l++) {
      const lowRank = tf.matMul(tf.matMul(hidden, this.params[`down${l}`]! as tf.Tensor2D), this.params[`up${l}`]! as tf.Tensor2D);
      hidden = tf.relu(tf.add(lowRank, this.params[`bias${l}`]!)) as tf.Tensor2D; // [n, width]
    }
    const rescaled =
      (this.spec.normPreserve ?? "row") === "row"
        ? tf.mul(hidden, tf.div(rowNorms(rows), rowNorms(hidden)))
        : tf.mul(hidden, tf.div(globalNorm(rows), globalNorm(hidden)));
    const share = tf.sigmoid(this.params.blend!); // c: the raw gradient's share
    return tf.add(tf.mul(tf.sub(1, share), rescaled), tf.mul(share, rows)) as tf.Tensor2D;
  }
  dispose(): void {
    tf.dispose(Object.values(this.params));
  }
}

class IdentityRegulator implements Regulator {
  readonly params = {};
  readonly spec: RegulatorSpec = { kind: "identity" };
  constructor(readonly width: number) {}
  apply(rows: tf.Tensor2D): tf.Tensor2D {
    return rows;
  }
  dispose(): void {}
}

/** A regulator of rows of `width`, at its initial values (`rng` draws SUPMER's random factors). */
export function createRegulator(spec: RegulatorSpec, width: number, rng: Rng): Regulator {
  switch (spec.kind) {
    case "gated":
      return new GatedRegulator(spec, width);
    case "diagonal":
      return new DiagonalRegulator(spec, width);
    case "supmer":
      return new SupmerRegulator(spec, width, rng);
    case "identity":
      return new IdentityRegulator(width);
  }
}
