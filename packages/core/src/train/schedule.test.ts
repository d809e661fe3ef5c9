// Schedule values, worked out by hand in the comments (cos(pi/5) = (1 + sqrt 5)/4 = 0.80901699437,
// cos(2 pi/5) = (sqrt 5 - 1)/4 = 0.30901699437, cos(3 pi/5) = -0.30901699437, cos(4 pi/5) = -0.80901699437).
import { describe, expect, it } from "vitest";
import { isVlpromptError } from "../errors.js";
import { constant, cosine, dasslCosine, learningRateAt, perEpoch, scheduleValueAt, warmupCosine } from "./schedule.js";

function expectCode(fn: () => unknown, code: string): void {
  let caught: unknown;
  try {
    fn();
  } catch (error) {
    caught = error;
  }
  expect(isVlpromptError(caught, code), `expected ${code}, got ${String(caught)}`).toBe(true);
}

describe("dasslCosine (Dassl cosine + 1 constant warm-up epoch, stepped per epoch)", () => {
  it("gives the CoOp values for lr 0.002 and 5 epochs", () => {
    const schedule = dasslCosine({ lr: 0.002, maxEpoch: 5 });
    expect(schedule.unit).toBe("epoch");
    // epoch 0: the constant warm-up lr
    expect(schedule.at(0)).toBe(1e-5);
    // epoch 1: 0.5 * 0.002 * (1 + cos(0)) = 0.002 (the cosine restarts at the base lr after the warm-up)
    expect(schedule.at(1)).toBeCloseTo(0.002, 15);
    // epoch 2: 0.001 * (1 + cos(pi/5)) = 0.001 * 1.80901699437 = 0.00180901699437
    expect(schedule.at(2)).toBeCloseTo(0.00180901699437, 13);
    // epoch 3: 0.001 * (1 + cos(2 pi/5)) = 0.001 * 1.30901699437 = 0.00130901699437
    expect(schedule.at(3)).toBeCloseTo(0.00130901699437, 13);
    // epoch 4 (the last of 5): 0.001 * (1 - 0.30901699437) = 0.00069098300563; never 0 inside the run
    expect(schedule.at(4)).toBeCloseTo(0.00069098300563, 13);
  });

  it("handles longer warm-ups, linear warm-up and no warm-up", () => {
    // w = 2 constant: epochs 0, 1 at 1e-5; epoch 2 at the base lr; epoch 3 = 0.5 * 0.01 * (1 + cos(pi/4)) = 0.00853553390593
    const two = dasslCosine({ lr: 0.01, maxEpoch: 4, warmupEpochs: 2 });
    expect([two.at(0), two.at(1), two.at(2)]).toEqual([1e-5, 1e-5, 0.01]);
    expect(two.at(3)).toBeCloseTo(0.00853553390593, 13);
    // linear, w = 2, min 1e-5: epoch 0 -> 1e-5, epoch 1 -> 0.01 * 1/2 = 0.005, epoch 2 -> 0.01
    const linear = dasslCosine({ lr: 0.01, maxEpoch: 4, warmupEpochs: 2, warmupType: "linear" });
    expect([linear.at(0), linear.at(1), linear.at(2)]).toEqual([1e-5, 0.005, 0.01]);
    // no warm-up: plain CosineAnnealingLR, epoch 2 of 4 = 0.5 * 0.01 * (1 + cos(pi/2)) = 0.005
    const none = dasslCosine({ lr: 0.01, maxEpoch: 4, warmupEpochs: 0 });
    expect(none.at(0)).toBe(0.01);
    expect(none.at(2)).toBeCloseTo(0.005, 15);
  });

  it("is read at the epoch, not at the update count", () => {
    const schedule = dasslCosine({ lr: 0.002, maxEpoch: 5 });
    expect(scheduleValueAt(schedule, { step: 1000, epoch: 0 })).toBe(1e-5);
    expect(learningRateAt(schedule, { step: 0, epoch: 1 })).toBe(0.002);
  });
});

describe("step schedules", () => {
  it("warmupCosine: linear warm-up then cosine (open_clip cosine_lr)", () => {
    const schedule = warmupCosine({ peak: 1e-3, warmupSteps: 4, totalSteps: 10 });
    // n < 4: 1e-3 * (n + 1) / 4 -> 2.5e-4, 5e-4, 7.5e-4, 1e-3
    expect([0, 1, 2, 3].map((n) => schedule.at(n))).toEqual([2.5e-4, 5e-4, 7.5e-4, 1e-3]);
    // n = 4: 0.5 * (1 + cos 0) * 1e-3 = 1e-3; n = 7: progress 3/6, 0.5 * (1 + cos(pi/2)) * 1e-3 = 5e-4
    expect(schedule.at(4)).toBe(1e-3);
    expect(schedule.at(7)).toBeCloseTo(5e-4, 15);
    // n = 10 and beyond (clamped): 0.5 * (1 + cos(pi)) * 1e-3 = 0
    expect(schedule.at(10)).toBeCloseTo(0, 15);
    expect(schedule.at(12)).toBeCloseTo(0, 15);
    // with minLr 1e-4, n = 7: 1e-4 + 0.5 * 9e-4 = 5.5e-4
    expect(warmupCosine({ peak: 1e-3, warmupSteps: 4, totalSteps: 10, minLr: 1e-4 }).at(7)).toBeCloseTo(5.5e-4, 15);
  });

  it("cosine (optax cosine_decay_schedule) and constant", () => {
    const schedule = cosine({ init: 1, decaySteps: 4, alpha: 0.1 });
    // n = 2: 0.9 * 0.5 * (1 + cos(pi/2)) + 0.1 = 0.55; n = 4 and later: 0.1
    expect(schedule.at(0)).toBe(1);
    expect(schedule.at(2)).toBeCloseTo(0.55, 15);
    expect(schedule.at(4)).toBeCloseTo(0.1, 15);
    expect(schedule.at(9)).toBeCloseTo(0.1, 15);
    expect(constant(0.3).at(17)).toBe(0.3);
    expect(scheduleValueAt(perEpoch((epoch) => epoch * 2), { step: 5, epoch: 3 })).toBe(6);
  });

  it("rejects bad arguments with coded errors", () => {
    expectCode(() => dasslCosine({ lr: 0.002, maxEpoch: 0 }), "VLP_SCHEDULE_BAD_ARGUMENT");
    expectCode(() => dasslCosine({ lr: -1, maxEpoch: 5 }), "VLP_SCHEDULE_BAD_ARGUMENT");
    expectCode(() => dasslCosine({ lr: 0.1, maxEpoch: 5, warmupEpochs: 1.5 }), "VLP_SCHEDULE_BAD_ARGUMENT");
    expectCode(() => warmupCosine({ peak: 1, warmupSteps: 10, totalSteps: 10 }), "VLP_SCHEDULE_BAD_ARGUMENT");
    expectCode(() => cosine({ init: 1, decaySteps: 0 }), "VLP_SCHEDULE_BAD_ARGUMENT");
    expectCode(() => learningRateAt(() => -1, { step: 0, epoch: 0 }), "VLP_OPTIM_BAD_LEARNING_RATE");
  });
});
