/**
 * The stateful wrapper a trainer uses: owns the transformation's state tensors, counts updates, knows the
 * epoch (for per-epoch schedules), applies updates to the variables, saves and loads its state.
 */
import * as tf from "@tensorflow/tfjs";
import { requireMatchingTensors } from "./check.js";
import { applyUpdates } from "./combine.js";
import { optimErrors } from "./errors.js";
import type { GradientTransformation, OptState, StepInfo, NamedTensors } from "./types.js";

/** An optimizer's state as plain data (for checkpoints). Shapes come from the optimizer it is loaded into. */
export interface OptimizerSnapshot {
  /** Updates applied so far. */
  readonly step: number;
  /** The epoch last set with setEpoch. */
  readonly epoch: number;
  /** Every state tensor, flattened, by its state name (e.g. "1/momentum/ctx"). */
  readonly tensors: Readonly<Record<string, Float32Array>>;
}

export interface Optimizer {
  readonly transform: GradientTransformation;
  /** Updates applied so far (the `step` the next update sees). */
  readonly stepCount: number;
  /** The current epoch (0-based), read by per-epoch schedules. */
  readonly epoch: number;
  /** Set the epoch once at the start of each epoch (Dassl steps its scheduler once per epoch). */
  setEpoch(epoch: number): void;
  /** The learning rate the next update uses, if the transformation reports one. */
  learningRate(): number | undefined;
  /** Transform the gradients and add the updates to the variables. The caller keeps (and disposes) `grads`. */
  step(grads: NamedTensors): void;
  /** Copy the state out (reads every state tensor back). */
  state(): OptimizerSnapshot;
  /** Replace the state with a snapshot from `state()`; validated fully before anything changes. */
  load(snapshot: OptimizerSnapshot): void;
  /** Free the state tensors (the variables belong to the learner). */
  dispose(): void;
}

function requireVariables(params: Readonly<Record<string, tf.Variable>>): void {
  const fail = (detail: string) => optimErrors.make("VLP_OPTIM_BAD_PARAMETERS", detail);
  if (typeof params !== "object" || params === null) throw fail(`expected a map of variables, got ${String(params)}`);
  const names = Object.keys(params);
  if (names.length === 0) throw fail("the parameter map is empty");
  for (const name of names) {
    const param = params[name];
    if (!(param instanceof tf.Variable)) throw fail(`parameter "${name}" is not a tf.Variable`);
    if (param.dtype !== "float32") throw fail(`parameter "${name}" is ${param.dtype}, expected float32`);
  }
}

function requireCount(what: string, value: number, code: "VLP_OPTIM_BAD_SNAPSHOT" | "VLP_OPTIM_BAD_HYPERPARAMETER"): void {
  if (!Number.isInteger(value) || value < 0) {
    throw optimErrors.make(code, `${what} must be an integer >= 0, got ${String(value)}`);
  }
}

/** Run `make` in a tidy and keep fresh copies of its state tensors (never aliases of grads or variables). */
function keepState(previous: OptState, make: () => OptState): OptState {
  const old = new Set(Object.values(previous));
  return tf.tidy(() => {
    const state = make();
    const kept: Record<string, tf.Tensor> = {};
    for (const key of Object.keys(state)) {
      const tensor = state[key]!;
      kept[key] = old.has(tensor) ? tensor : tf.clone(tensor);
    }
    return kept;
  });
}

function disposeReplaced(previous: OptState, next: OptState): void {
  const live = new Set(Object.values(next));
  for (const tensor of Object.values(previous)) if (!live.has(tensor)) tensor.dispose();
}

class TransformOptimizer implements Optimizer {
  private current: OptState;
  private disposed = false;
  stepCount = 0;
  epoch = 0;

  constructor(
    readonly transform: GradientTransformation,
    private readonly params: Readonly<Record<string, tf.Variable>>,
  ) {
    this.current = keepState({}, () => transform.init(params));
  }

  private live(): void {
    if (this.disposed) throw optimErrors.make("VLP_OPTIM_DISPOSED", `optimizer ${this.transform.name} was disposed`);
  }

  private info(): StepInfo {
    return { step: this.stepCount, epoch: this.epoch };
  }

  setEpoch(epoch: number): void {
    requireCount("epoch", epoch, "VLP_OPTIM_BAD_HYPERPARAMETER");
    this.epoch = epoch;
  }

  learningRate(): number | undefined {
    return this.transform.learningRate?.(this.info());
  }

  step(grads: NamedTensors): void {
    this.live();
    requireMatchingTensors("gradient", grads, this.params);
    const previous = this.current;
    const info = this.info();
    const next = keepState(previous, () => {
      const { updates, state } = this.transform.update(grads, previous, this.params, info);
      applyUpdates(this.params, updates);
      return state;
    });
    disposeReplaced(previous, next);
    this.current = next;
    this.stepCount += 1;
  }

  state(): OptimizerSnapshot {
    this.live();
    const tensors: Record<string, Float32Array> = {};
    for (const key of Object.keys(this.current)) tensors[key] = Float32Array.from(this.current[key]!.dataSync());
    return { step: this.stepCount, epoch: this.epoch, tensors };
  }

  load(snapshot: OptimizerSnapshot): void {
    this.live();
    const fail = (detail: string) => optimErrors.make("VLP_OPTIM_BAD_SNAPSHOT", detail);
    if (typeof snapshot !== "object" || snapshot === null) throw fail(`expected a snapshot, got ${String(snapshot)}`);
    requireCount("snapshot step", snapshot.step, "VLP_OPTIM_BAD_SNAPSHOT");
    requireCount("snapshot epoch", snapshot.epoch, "VLP_OPTIM_BAD_SNAPSHOT");
    const saved = snapshot.tensors ?? {};
    const keys = Object.keys(this.current);
    const missing = keys.filter((key) => !(key in saved));
    const extra = Object.keys(saved).filter((key) => !(key in this.current));
    if (missing.length > 0 || extra.length > 0) {
      throw fail(`state names differ from ${this.transform.name}: missing [${missing}], unexpected [${extra}]`);
    }
    for (const key of keys) {
      const data = saved[key];
      if (!(data instanceof Float32Array)) throw fail(`state "${key}" is not a Float32Array`);
      if (data.length !== this.current[key]!.size) {
        throw fail(`state "${key}" has ${data.length} values, expected ${this.current[key]!.size}`);
      }
    }
    const next: Record<string, tf.Tensor> = {};
    for (const key of keys) {
      const like = this.current[key]!;
      next[key] = tf.tensor(Float32Array.from(saved[key]!), like.shape, like.dtype);
    }
    tf.dispose(Object.values(this.current));
    this.current = next;
    this.stepCount = snapshot.step;
    this.epoch = snapshot.epoch;
  }

  dispose(): void {
    if (this.disposed) return;
    tf.dispose(Object.values(this.current));
    this.current = {};
    this.disposed = true;
  }
}

/** Wrap a transformation for these variables; `init` runs now. Dispose the optimizer when training ends. */
export function createOptimizer(
  transform: GradientTransformation,
  params: Readonly<Record<string, tf.Variable>>,
): Optimizer {
  requireVariables(params);
  return new TransformOptimizer(transform, params);
}
