/**
 * The building blocks: each is a GradientTransformation (see types.ts). Formulas in docs/optimizers.md.
 * All tensor work here runs inside the caller's tf.tidy; functions return fresh tensors.
 */
import * as tf from "@tensorflow/tfjs";
import { learningRateAt, scheduleValueAt, toSchedule, type LearningRate, type ScheduleLike } from "../schedule.js";
import { requireHyperparameter, requireLearningRate, requireMatchingTensors } from "./check.js";
import { optimErrors } from "./errors.js";
import {
  mapTensors,
  statelessTransform,
  type GradientTransformation,
  type OptState,
  type StepInfo,
  type NamedTensors,
} from "./types.js";

/** Passes gradients through unchanged. */
export function identity(): GradientTransformation {
  return statelessTransform("identity", (grads) => grads);
}

/** `u = k * g`. */
export function scale(factor: number): GradientTransformation {
  requireHyperparameter("scale factor", factor);
  return statelessTransform("scale", (grads) => mapTensors(grads, (g) => tf.mul(g, factor)));
}

/** `u = s(n) * g`, with s read at the update count or the epoch (by the schedule's unit). No sign change. */
export function scaleBySchedule(schedule: ScheduleLike): GradientTransformation {
  const checked = toSchedule(schedule);
  return statelessTransform("scaleBySchedule", (grads, _params, info) => {
    const factor = scheduleValueAt(checked, info);
    if (!Number.isFinite(factor)) {
      throw optimErrors.make("VLP_OPTIM_BAD_LEARNING_RATE", `schedule value ${factor} at step ${info.step}, epoch ${info.epoch}`);
    }
    return mapTensors(grads, (g) => tf.mul(g, factor));
  });
}

/** `u = -lr * g`: the descent step. `lr` is a number or a schedule; it is the link that reports the lr. */
export function scaleByLearningRate(lr: LearningRate): GradientTransformation {
  requireLearningRate("lr", lr);
  return {
    name: "scaleByLearningRate",
    init: () => ({}),
    update(grads, state, _params, info) {
      const rate = learningRateAt(lr, info);
      return { updates: mapTensors(grads, (g) => tf.mul(g, -rate)), state };
    },
    learningRate: (info) => learningRateAt(lr, info),
  };
}

/** `u = g + wd * p`. Before the momentum/Adam link it is coupled L2 decay (SGD); after it, decoupled (AdamW). */
export function addDecayedWeights(weightDecay: number): GradientTransformation {
  requireHyperparameter("weightDecay", weightDecay, { min: 0 });
  return statelessTransform("addDecayedWeights", (grads, params) =>
    weightDecay === 0 ? grads : mapTensors(grads, (g, name) => tf.add(g, tf.mul(params[name]!, weightDecay))),
  );
}

export interface MomentumOptions {
  readonly momentum: number;
  /** Default 0. */
  readonly dampening?: number;
  /** Default false. */
  readonly nesterov?: boolean;
}

function withPrefix(prefix: string, tensors: NamedTensors): OptState {
  const out: Record<string, tf.Tensor> = {};
  for (const name of Object.keys(tensors)) out[prefix + name] = tensors[name]!;
  return out;
}

/**
 * torch.optim.SGD's momentum buffer: `b = g` on the first update (info.step 0), then
 * `b = momentum * b + (1 - dampening) * g`; `u = g + momentum * b` (Nesterov) or `u = b`.
 */
export function traceMomentum(options: MomentumOptions): GradientTransformation {
  const { momentum, dampening = 0, nesterov = false } = options;
  requireHyperparameter("momentum", momentum, { min: 0 });
  requireHyperparameter("dampening", dampening);
  if (nesterov && (momentum <= 0 || dampening !== 0)) {
    throw optimErrors.make(
      "VLP_OPTIM_BAD_HYPERPARAMETER",
      `Nesterov momentum needs momentum > 0 and dampening 0, got momentum ${momentum}, dampening ${dampening}`,
    );
  }
  const key = (name: string) => `momentum/${name}`;
  return {
    name: "traceMomentum",
    init: (params) => withPrefix("momentum/", mapTensors(params, (p) => tf.zerosLike(p))),
    update(grads, state, _params, info) {
      const next: Record<string, tf.Tensor> = {};
      const updates = mapTensors(grads, (g, name) => {
        const buffer =
          info.step === 0
            ? tf.clone(g)
            : tf.add(tf.mul(state[key(name)]!, momentum), dampening === 0 ? g : tf.mul(g, 1 - dampening));
        next[key(name)] = buffer;
        return nesterov ? tf.add(g, tf.mul(buffer, momentum)) : buffer;
      });
      return { updates, state: { ...state, ...next } };
    },
  };
}

export interface AdamOptions {
  /** Default 0.9. */
  readonly beta1?: number;
  /** Default 0.999. */
  readonly beta2?: number;
  /** Default 1e-8. */
  readonly eps?: number;
}

/**
 * Adam's direction with torch's bias correction (t = info.step + 1):
 * `m = m + (1-b1)(g - m)`, `v = b2 v + (1-b2) g^2`, `u = (m / (1 - b1^t)) / (sqrt(v) / sqrt(1 - b2^t) + eps)`.
 */
export function scaleByAdam(options: AdamOptions = {}): GradientTransformation {
  const { beta1 = 0.9, beta2 = 0.999, eps = 1e-8 } = options;
  requireHyperparameter("beta1", beta1, { min: 0, below: 1 });
  requireHyperparameter("beta2", beta2, { min: 0, below: 1 });
  requireHyperparameter("eps", eps, { min: 0 });
  return {
    name: "scaleByAdam",
    init: (params) => ({
      ...withPrefix("mu/", mapTensors(params, (p) => tf.zerosLike(p))),
      ...withPrefix("nu/", mapTensors(params, (p) => tf.zerosLike(p))),
    }),
    update(grads, state, _params, info) {
      const t = info.step + 1;
      const correction1 = 1 - beta1 ** t; // in float64, as torch computes it in Python
      const correction2Sqrt = Math.sqrt(1 - beta2 ** t);
      const next: Record<string, tf.Tensor> = {};
      const updates = mapTensors(grads, (g, name) => {
        const mu = state[`mu/${name}`]!;
        const nu = state[`nu/${name}`]!;
        const mean = tf.add(mu, tf.mul(tf.sub(g, mu), 1 - beta1)); // torch: exp_avg.lerp_(grad, 1 - beta1)
        const square = tf.add(tf.mul(nu, beta2), tf.mul(tf.mul(g, g), 1 - beta2));
        next[`mu/${name}`] = mean;
        next[`nu/${name}`] = square;
        const denominator = tf.add(tf.div(tf.sqrt(square), correction2Sqrt), eps);
        return tf.div(tf.div(mean, correction1), denominator);
      });
      return { updates, state: { ...state, ...next } };
    },
  };
}

/**
 * torch.nn.utils.clip_grad_norm_ (L2): `total = ||(||g_1||, ..., ||g_n||)||`,
 * `g = g * min(1, maxNorm / (total + 1e-6))`. Computed in tensors (no read-back); a non-finite total makes
 * the gradients non-finite, as in torch with error_if_nonfinite=False.
 */
export function clipByGlobalNorm(maxNorm: number): GradientTransformation {
  requireHyperparameter("maxNorm", maxNorm, { above: 0 });
  return statelessTransform("clipByGlobalNorm", (grads) => {
    const names = Object.keys(grads);
    if (names.length === 0) return grads;
    const total = tf.norm(tf.stack(names.map((name) => tf.norm(grads[name]!))));
    const coefficient = tf.minimum(tf.div(maxNorm, tf.add(total, 1e-6)), 1);
    return mapTensors(grads, (g) => tf.mul(g, coefficient));
  });
}

/** The function a user link runs: returns new gradients, one per input gradient, same names and shapes. */
export type GradientFunction = (grads: NamedTensors, params: NamedTensors, info: StepInfo) => NamedTensors;

/**
 * Insert any function of the gradients into a chain, e.g. GRAM's regulator:
 * `chain(mapGradients(regulate), clipByGlobalNorm(1), sgd(...))`. Runs inside the optimizer's tf.tidy.
 */
export function mapGradients(fn: GradientFunction, name = "mapGradients"): GradientTransformation {
  if (typeof fn !== "function") {
    throw optimErrors.make("VLP_OPTIM_BAD_HYPERPARAMETER", `mapGradients needs a function, got ${String(fn)}`);
  }
  return statelessTransform(name, (grads, params, info) => {
    const out = fn(grads, params, info);
    requireMatchingTensors(`output of ${name}`, out, grads, "VLP_OPTIM_BAD_LINK_OUTPUT");
    return out;
  });
}
