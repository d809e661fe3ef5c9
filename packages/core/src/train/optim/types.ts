import type * as tf from "@tensorflow/tfjs";

/** Named tensors: gradients, updates, parameters (by the learner's variable names). */
export type NamedTensors = Readonly<Record<string, tf.Tensor>>;

/**
 * A transformation's state: a flat map of tensors with names of the transformation's choosing
 * (`mu/ctx`, `0/momentum/ctx`, ...). Flat so that it saves to and loads from a checkpoint as it is.
 */
export type OptState = Readonly<Record<string, tf.Tensor>>;

/** Where training stands when an update is computed. */
export interface StepInfo {
  /** Updates already applied with this state (0 on the first update). The state and `step` travel together. */
  readonly step: number;
  /** The current epoch (0-based), set once per epoch by the trainer; read by per-epoch schedules. */
  readonly epoch: number;
}

export interface UpdateResult {
  /** One tensor per gradient; the parameter moves to `param + update`. */
  readonly updates: NamedTensors;
  readonly state: OptState;
}

/**
 * A gradient transformation (optax style). Both functions are pure: they never write into their inputs and
 * return fresh tensors (the state may pass through unchanged tensors). The caller owns what they return,
 * so call them inside `tf.tidy` and keep what must survive (the `Optimizer` wrapper does this).
 */
export interface GradientTransformation {
  /** Short name for messages, e.g. "sgd" or "chain(clipByGlobalNorm, sgd)". */
  readonly name: string;
  /** The initial state for these parameters (zeros for moment buffers). */
  init(params: NamedTensors): OptState;
  /** Turn incoming gradients (or the previous link's updates) into updates and the next state. */
  update(grads: NamedTensors, state: OptState, params: NamedTensors, info: StepInfo): UpdateResult;
  /** The learning rate this link applies at `info`, for logging; links without one leave it out. */
  learningRate?(info: StepInfo): number;
}

/** Apply `fn` to every named tensor, keeping the names. */
export function mapTensors(tensors: NamedTensors, fn: (tensor: tf.Tensor, name: string) => tf.Tensor): NamedTensors {
  const out: Record<string, tf.Tensor> = {};
  for (const name of Object.keys(tensors)) out[name] = fn(tensors[name]!, name);
  return out;
}

/** A transformation without state whose updates are `fn(grads, params, info)`. */
export function statelessTransform(
  name: string,
  fn: (grads: NamedTensors, params: NamedTensors, info: StepInfo) => NamedTensors,
): GradientTransformation {
  return {
    name,
    init: () => ({}),
    update: (grads, state, params, info) => ({ updates: fn(grads, params, info), state }),
  };
}
