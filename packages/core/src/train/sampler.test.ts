import { describe, expect, it } from "vitest";
import { Rng } from "../tensor/rng.js";
import { dropsLast, epochBatches, stepsPerEpoch } from "./sampler.js";

describe("epoch batches (Dassl's train loader)", () => {
  it("drops the last incomplete batch only when the set is larger than a batch", () => {
    expect(dropsLast(10, 4)).toBe(true);
    expect(stepsPerEpoch(10, 4)).toBe(2);
    expect(epochBatches(10, 4, new Rng(1), 0).map((b) => b.length)).toEqual([4, 4]);
    // A set no larger than a batch trains as one batch holding every item.
    expect(dropsLast(4, 4)).toBe(false);
    expect(epochBatches(4, 4, new Rng(1), 0).map((b) => b.length)).toEqual([4]);
    expect(dropsLast(3, 32)).toBe(false);
    expect(epochBatches(3, 32, new Rng(1), 0).map((b) => [...b].sort())).toEqual([[0, 1, 2]]);
    expect(stepsPerEpoch(0, 8)).toBe(0);
  });

  it("shuffles each epoch differently, from the seed and epoch number only", () => {
    const rng = new Rng(7);
    const first = epochBatches(12, 3, rng, 0);
    const second = epochBatches(12, 3, rng, 1);
    expect(first.flat().sort((a, b) => a - b)).toEqual(Array.from({ length: 12 }, (_, i) => i));
    expect(second).not.toEqual(first);
    // Same seed and epoch, whatever was drawn before: the same batches (what makes resume exact).
    expect(epochBatches(12, 3, new Rng(7), 1)).toEqual(second);
    expect(epochBatches(12, 3, new Rng(8), 1)).not.toEqual(second);
  });
});
