import { describe, expect, it } from "vitest";
import { accuracyReport, summarizeSeeds } from "./metrics.js";

describe("metrics", () => {
  it("top-1 and per-class accuracy", () => {
    const report = accuracyReport([0, 1, 1, 2, 2, 0], [0, 1, 2, 2, 2, 1], ["cat", "dog", "fox", "owl"]);
    expect(report).toMatchObject({ accuracy: 4 / 6, correct: 4, total: 6 });
    expect(report.perClassAccuracy).toEqual({ cat: 1, dog: 0.5, fox: 2 / 3 }); // owl has no items
    expect(report.perClass[3]).toMatchObject({ name: "owl", total: 0 });
    expect(report.meanPerClassAccuracy).toBeCloseTo((1 + 0.5 + 2 / 3) / 3, 12);
    expect(() => accuracyReport([0], [0, 1], ["a", "b"])).toThrow(RangeError);
  });

  it("mean and population standard deviation over seeds", () => {
    const summary = summarizeSeeds([{ accuracy: 0.6 }, { accuracy: 0.7 }, { accuracy: 0.8 }]);
    expect(summary.seeds).toBe(3);
    expect(summary.accuracy.mean).toBeCloseTo(0.7, 12);
    expect(summary.accuracy.std).toBeCloseTo(Math.sqrt(0.02 / 3), 12); // divide by n, as CoOp's parse_test_res.py
    expect(summary.hm).toBeUndefined();
  });

  it("computes the base-to-new HM from the seed-averaged accuracies, not as the mean of per-seed HMs", () => {
    const seeds = [
      { accuracy: 0.9, baseAccuracy: 0.9, newAccuracy: 0.1 },
      { accuracy: 0.5, baseAccuracy: 0.5, newAccuracy: 0.5 },
    ];
    const summary = summarizeSeeds(seeds);
    expect(summary.base!.mean).toBeCloseTo(0.7, 12);
    expect(summary.new!.mean).toBeCloseTo(0.3, 12);
    expect(summary.hm).toBeCloseTo((2 * 0.7 * 0.3) / (0.7 + 0.3), 12); // 0.42
    const meanOfPerSeedHms = ((2 * 0.9 * 0.1) / 1.0 + 0.5) / 2; // 0.34: the pitfall of KgCoOp #9
    expect(summary.hm).not.toBeCloseTo(meanOfPerSeedHms, 2);
  });

  it("summarises cross-dataset targets per target", () => {
    const summary = summarizeSeeds([
      { accuracy: 0.8, targetAccuracy: { a: 0.4, b: 0.2 } },
      { accuracy: 0.6, targetAccuracy: { a: 0.6, b: 0.4 } },
    ]);
    expect(summary.targets.a!.mean).toBeCloseTo(0.5, 12);
    expect(summary.targets.b!.std).toBeCloseTo(0.1, 12);
  });
});
