/**
 * Learning-rate schedules. A schedule is a pure function of a counter, plus the unit it counts in:
 * "step" schedules read the number of optimizer updates, "epoch" schedules read the epoch the trainer set
 * with `optimizer.setEpoch(k)` (Dassl steps its scheduler once per epoch). Formulas: docs/optimizers.md.
 */
import { optimErrors } from "./optim/errors.js";
import type { StepInfo } from "./optim/types.js";

export type ScheduleUnit = "step" | "epoch";

export interface Schedule {
  /** What `at` counts: optimizer updates ("step") or epochs ("epoch"), both 0-based. */
  readonly unit: ScheduleUnit;
  /** The value at update or epoch `count` (0-based). */
  at(count: number): number;
}

/** A schedule, or a bare function of the update count (a per-step schedule, as in optax). */
export type ScheduleLike = Schedule | ((step: number) => number);

/** A fixed learning rate or a schedule. */
export type LearningRate = number | ScheduleLike;

export function toSchedule(schedule: ScheduleLike): Schedule {
  return typeof schedule === "function" ? { unit: "step", at: schedule } : schedule;
}

/** A per-step schedule from a function of the update count. */
export function perStep(fn: (step: number) => number): Schedule {
  return { unit: "step", at: fn };
}

/** A per-epoch schedule from a function of the epoch. */
export function perEpoch(fn: (epoch: number) => number): Schedule {
  return { unit: "epoch", at: fn };
}

/** The value of a number or schedule at `info` (schedules read `info.step` or `info.epoch` by their unit). */
export function scheduleValueAt(value: LearningRate, info: StepInfo): number {
  if (typeof value === "number") return value;
  const schedule = toSchedule(value);
  return schedule.at(schedule.unit === "epoch" ? info.epoch : info.step);
}

/** The learning rate at `info`, checked to be a finite number >= 0. */
export function learningRateAt(lr: LearningRate, info: StepInfo): number {
  const value = scheduleValueAt(lr, info);
  if (!Number.isFinite(value) || value < 0) {
    throw optimErrors.make(
      "VLP_OPTIM_BAD_LEARNING_RATE",
      `learning rate ${value} at step ${info.step}, epoch ${info.epoch}`,
    );
  }
  return value;
}

function requireNumber(what: string, value: number, min: number, integer = false): void {
  if (!Number.isFinite(value) || value < min || (integer && !Number.isInteger(value))) {
    const kind = integer ? "an integer" : "a finite number";
    throw optimErrors.make("VLP_SCHEDULE_BAD_ARGUMENT", `${what} must be ${kind} >= ${min}, got ${value}`);
  }
}

/** `value` at every count. */
export function constant(value: number, unit: ScheduleUnit = "step"): Schedule {
  requireNumber("constant value", value, 0);
  return { unit, at: () => value };
}

export interface CosineOptions {
  /** Value at count 0. */
  readonly init: number;
  /** Count at which the decay ends; later counts stay at `alpha * init`. */
  readonly decaySteps: number;
  /** Final value as a fraction of `init` (default 0). */
  readonly alpha?: number;
  readonly unit?: ScheduleUnit;
}

/** optax cosine_decay_schedule: `init * ((1-alpha) * 0.5 * (1 + cos(pi * min(n, N) / N)) + alpha)`. */
export function cosine(options: CosineOptions): Schedule {
  const { init, decaySteps, alpha = 0, unit = "step" } = options;
  requireNumber("cosine init", init, 0);
  requireNumber("cosine decaySteps", decaySteps, 1, true);
  requireNumber("cosine alpha", alpha, 0);
  return {
    unit,
    at(count) {
      const progress = Math.min(count, decaySteps) / decaySteps;
      return init * ((1 - alpha) * 0.5 * (1 + Math.cos(Math.PI * progress)) + alpha);
    },
  };
}

export interface WarmupCosineOptions {
  /** The learning rate reached at the end of the warm-up. */
  readonly peak: number;
  /** Number of warm-up updates (>= 1). */
  readonly warmupSteps: number;
  /** Total number of updates of the run (> warmupSteps). */
  readonly totalSteps: number;
  /** Value the cosine ends at (default 0, as open_clip). */
  readonly minLr?: number;
  readonly unit?: ScheduleUnit;
}

/**
 * Linear warm-up then cosine decay, per update (open_clip's `cosine_lr`, used for CLIP pretraining with AdamW):
 * `n < W: peak * (n+1) / W`; else `minLr + 0.5 * (1 + cos(pi * (n-W) / (T-W))) * (peak - minLr)`, n clamped to T.
 */
export function warmupCosine(options: WarmupCosineOptions): Schedule {
  const { peak, warmupSteps, totalSteps, minLr = 0, unit = "step" } = options;
  requireNumber("warmupCosine peak", peak, 0);
  requireNumber("warmupCosine minLr", minLr, 0);
  requireNumber("warmupCosine warmupSteps", warmupSteps, 1, true);
  requireNumber("warmupCosine totalSteps", totalSteps, warmupSteps + 1, true);
  return {
    unit,
    at(count) {
      if (count < warmupSteps) return (peak * (count + 1)) / warmupSteps;
      const progress = (Math.min(count, totalSteps) - warmupSteps) / (totalSteps - warmupSteps);
      return minLr + 0.5 * (1 + Math.cos(Math.PI * progress)) * (peak - minLr);
    },
  };
}

export interface DasslCosineOptions {
  /** Base learning rate (OPTIM.LR), e.g. 0.002 for CoOp. */
  readonly lr: number;
  /** OPTIM.MAX_EPOCH: the cosine's T_max. */
  readonly maxEpoch: number;
  /** OPTIM.WARMUP_EPOCH (default 1); 0 turns the warm-up off. */
  readonly warmupEpochs?: number;
  /** OPTIM.WARMUP_TYPE (default "constant"). */
  readonly warmupType?: "constant" | "linear";
  /** WARMUP_CONS_LR for "constant", WARMUP_MIN_LR (epoch 0) for "linear"; default 1e-5. */
  readonly warmupLr?: number;
}

/**
 * Dassl's `build_lr_scheduler` with LR_SCHEDULER "cosine" (CosineAnnealingLR, T_max = MAX_EPOCH) wrapped in
 * its warm-up scheduler with WARMUP_RECOUNT = True, stepped once per epoch. For epoch k (0-based), w warm-up
 * epochs, E = maxEpoch:
 * - k < w, constant: `warmupLr`; linear: `warmupLr` at k = 0, else `lr * k / w`
 * - k >= w: `0.5 * lr * (1 + cos(pi * (k - w) / E))` (the cosine restarts at the base lr after the warm-up and
 *   never reaches 0 inside the run).
 */
export function dasslCosine(options: DasslCosineOptions): Schedule {
  const { lr, maxEpoch, warmupEpochs = 1, warmupType = "constant", warmupLr = 1e-5 } = options;
  requireNumber("dasslCosine lr", lr, 0);
  requireNumber("dasslCosine maxEpoch", maxEpoch, 1, true);
  requireNumber("dasslCosine warmupEpochs", warmupEpochs, 0, true);
  requireNumber("dasslCosine warmupLr", warmupLr, 0);
  if (warmupType !== "constant" && warmupType !== "linear") {
    throw optimErrors.make("VLP_SCHEDULE_BAD_ARGUMENT", `dasslCosine warmupType must be "constant" or "linear", got ${String(warmupType)}`);
  }
  return {
    unit: "epoch",
    at(epoch) {
      if (epoch < warmupEpochs) {
        if (warmupType === "constant" || epoch === 0) return warmupLr;
        return (lr * epoch) / warmupEpochs;
      }
      return 0.5 * lr * (1 + Math.cos((Math.PI * (epoch - warmupEpochs)) / maxEpoch));
    },
  };
}
