/** The usual optimizers, built from the links in transforms.ts. Formulas: docs/optimizers.md. */
import type { LearningRate } from "../schedule.js";
import { requireHyperparameter, requireLearningRate } from "./check.js";
import { chain, named } from "./combine.js";
import { optimErrors } from "./errors.js";
import { addDecayedWeights, scaleByAdam, scaleByLearningRate, traceMomentum } from "./transforms.js";
import type { GradientTransformation } from "./types.js";

export interface SgdOptions {
  readonly lr: LearningRate;
  /** Default 0. */
  readonly momentum?: number;
  /** Default 0. */
  readonly dampening?: number;
  /** Coupled L2 decay added to the gradient (default 0). */
  readonly weightDecay?: number;
  /** Default false. */
  readonly nesterov?: boolean;
}

/**
 * torch.optim.SGD: `d = g + wd * p`; with momentum, `b = d` on the first update, then
 * `b = momentum * b + (1 - dampening) * d`, and `d = d + momentum * b` (Nesterov) or `d = b`; `p = p - lr * d`.
 */
export function sgd(options: SgdOptions): GradientTransformation {
  const { lr, momentum = 0, dampening = 0, weightDecay = 0, nesterov = false } = options;
  requireLearningRate("sgd lr", lr);
  requireHyperparameter("sgd momentum", momentum, { min: 0 });
  requireHyperparameter("sgd dampening", dampening);
  requireHyperparameter("sgd weightDecay", weightDecay, { min: 0 });
  if (nesterov && (momentum <= 0 || dampening !== 0)) {
    throw optimErrors.make(
      "VLP_OPTIM_BAD_HYPERPARAMETER",
      `sgd: Nesterov momentum needs momentum > 0 and dampening 0, got momentum ${momentum}, dampening ${dampening}`,
    );
  }
  const links: GradientTransformation[] = [];
  if (weightDecay !== 0) links.push(addDecayedWeights(weightDecay));
  if (momentum !== 0) links.push(traceMomentum({ momentum, dampening, nesterov }));
  links.push(scaleByLearningRate(lr));
  return named("sgd", chain(...links));
}

export interface AdamWOptions {
  readonly lr: LearningRate;
  /** Default 0.9. */
  readonly beta1?: number;
  /** Default 0.999. */
  readonly beta2?: number;
  /** Default 1e-8. */
  readonly eps?: number;
  /** Decoupled decay (default 0.01, as torch.optim.AdamW). */
  readonly weightDecay?: number;
}

/**
 * torch.optim.AdamW: `p = p * (1 - lr * wd)`, then the bias-corrected Adam step
 * `p = p - lr * (m / (1 - b1^t)) / (sqrt(v) / sqrt(1 - b2^t) + eps)`.
 * Built as chain(scaleByAdam, addDecayedWeights(wd), scaleByLearningRate(lr)).
 */
export function adamw(options: AdamWOptions): GradientTransformation {
  const { lr, beta1 = 0.9, beta2 = 0.999, eps = 1e-8, weightDecay = 0.01 } = options;
  requireLearningRate("adamw lr", lr);
  return named(
    "adamw",
    chain(scaleByAdam({ beta1, beta2, eps }), addDecayedWeights(weightDecay), scaleByLearningRate(lr)),
  );
}

export interface AdamOptions {
  readonly lr: LearningRate;
  readonly beta1?: number;
  readonly beta2?: number;
  readonly eps?: number;
  /** Coupled L2 decay added to the gradient before the moments (default 0, as torch.optim.Adam). */
  readonly weightDecay?: number;
}

/** torch.optim.Adam: `g = g + wd * p` (coupled), then the bias-corrected Adam step with `lr`. */
export function adam(options: AdamOptions): GradientTransformation {
  const { lr, beta1 = 0.9, beta2 = 0.999, eps = 1e-8, weightDecay = 0 } = options;
  requireLearningRate("adam lr", lr);
  return named(
    "adam",
    chain(addDecayedWeights(weightDecay), scaleByAdam({ beta1, beta2, eps }), scaleByLearningRate(lr)),
  );
}
