/**
 * The regulators of one learner: one per modality that has prompt tokens, plus (with `regulate: "all"`) a
 * scalar gate 2 sigmoid(a) per non-prompt parameter (a = 0 at init: identity). Applied to named gradients;
 * as an optimizer link it is stateless and frozen.
 */
import * as tf from "@tensorflow/tfjs";
import type { LearnerState } from "../method/contract.js";
import type { Rng } from "../tensor/rng.js";
import type { GradientTransformation } from "../train/optim/types.js";
import { gramErrors } from "./errors.js";
import { modalitiesOf, type Modality, type ParamLayout } from "./layout.js";
import { createRegulator, ownedVariable, type Regulator, type RegulatorSpec } from "./regulators.js";

export type RegulateMode = "prompts" | "all";

/** Gradients (or parameters) by learner parameter name. */
export type NamedGradients = Readonly<Record<string, tf.Tensor>>;

export interface RegulatorSetOptions {
  readonly specs: Readonly<Record<Modality, RegulatorSpec>>;
  readonly mode: RegulateMode;
  /** Draws the initial values of randomly initialised regulators (SUPMER). */
  readonly rng: Rng;
}

export class RegulatorSet {
  readonly regulators: Partial<Record<Modality, Regulator>> = {};
  /** Scalar gate logits of non-prompt parameters, by parameter name ("all" mode only). */
  readonly gates: Record<string, tf.Variable> = {};
  private readonly byName: Map<string, ParamLayout>;

  constructor(readonly layout: readonly ParamLayout[], readonly options: RegulatorSetOptions) {
    this.byName = new Map(layout.map((p) => [p.name, p]));
    for (const modality of modalitiesOf(layout)) {
      const width = layout.find((p) => p.role === modality)!.width;
      this.regulators[modality] = createRegulator(options.specs[modality], width, options.rng.fork(`regulator-${modality}`));
    }
    if (options.mode === "all") {
      for (const p of layout) if (p.role === "other") this.gates[p.name] = ownedVariable(`gate_${p.name}`, tf.scalar(0));
    }
  }

  /** Every meta-learned variable, by checkpoint name: "text/W", "vision/b", "gate/<param>". */
  get params(): Record<string, tf.Variable> {
    const out: Record<string, tf.Variable> = {};
    for (const [modality, regulator] of Object.entries(this.regulators)) {
      for (const [name, v] of Object.entries(regulator.params)) out[`${modality}/${name}`] = v;
    }
    for (const [name, v] of Object.entries(this.gates)) out[`gate/${name}`] = v;
    return out;
  }

  /** psi of one named gradient; an unknown name or an unregulated parameter passes through unchanged. */
  applyOne(name: string, grad: tf.Tensor): tf.Tensor {
    const p = this.byName.get(name);
    if (!p) return grad;
    if (p.role === "other") {
      const gate = this.gates[name];
      return gate ? tf.mul(grad, tf.mul(tf.sigmoid(gate), 2)) : grad;
    }
    const regulator = this.regulators[p.role];
    if (!regulator || regulator.spec.kind === "identity") return grad;
    const rows = tf.reshape(grad, [-1, p.width]) as tf.Tensor2D; // [tokens, width]
    return tf.reshape(regulator.apply(rows), grad.shape);
  }

  /** psi of every gradient, same names. Runs in the caller's tidy; pass-through tensors are the inputs. */
  apply(grads: NamedGradients): Record<string, tf.Tensor> {
    const out: Record<string, tf.Tensor> = {};
    for (const name of Object.keys(grads)) out[name] = this.applyOne(name, grads[name]!);
    return out;
  }

  /** The frozen regulator as the first link of an optimizer chain. */
  transformation(): GradientTransformation {
    return {
      name: "gramRegulate",
      init: () => ({}),
      update: (grads, state) => ({ updates: this.apply(grads), state }),
    };
  }

  /** True when applying it changes nothing (identity regulators, no gates). */
  get isIdentity(): boolean {
    return Object.values(this.regulators).every((r) => r.spec.kind === "identity") && Object.keys(this.gates).length === 0;
  }

  state(): LearnerState {
    const out: Record<string, { shape: number[]; data: Float32Array }> = {};
    for (const [name, v] of Object.entries(this.params)) out[name] = { shape: [...v.shape], data: Float32Array.from(v.dataSync() as Float32Array) };
    return out;
  }

  /** Load meta-learned values; every variable must be present with its shape (gates may be missing: identity). */
  load(state: LearnerState, source: string): void {
    const params = this.params;
    for (const [name, v] of Object.entries(params)) {
      const saved = state[name];
      if (!saved) {
        if (name.startsWith("gate/")) continue;
        throw gramErrors.make("VLP_GRAM_CHECKPOINT", `${source} has no regulator tensor "${name}" (it has ${Object.keys(state).join(", ") || "none"})`);
      }
      if (saved.shape.length !== v.shape.length || saved.shape.some((d, i) => d !== v.shape[i])) {
        throw gramErrors.make("VLP_GRAM_SHAPE", `${source}: regulator "${name}" is saved with shape [${saved.shape}], this regulator has [${v.shape}]`);
      }
    }
    for (const [name, v] of Object.entries(params)) {
      const saved = state[name];
      if (saved) tf.tidy(() => v.assign(tf.tensor(saved.data, saved.shape, "float32")));
    }
  }

  dispose(): void {
    for (const regulator of Object.values(this.regulators)) regulator.dispose();
    tf.dispose(Object.values(this.gates));
  }
}
