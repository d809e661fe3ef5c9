import { describe, expect, it } from "vitest";
import { aggregate, harmonicMean, stat } from "./aggregate.js";
import { planManifest } from "./plan.js";
import { resolveManifest } from "./resolve.js";
import { fakeResult, testCatalog, testManifest } from "./test-fixtures.js";
import type { DoneRecord, RunResult } from "./types.js";
import type { Manifest } from "./schema.js";

function records(manifest: Manifest, result: (spec: DoneRecord["spec"]) => RunResult = fakeResult): DoneRecord[] {
  const runs = planManifest(resolveManifest(manifest, { baseDir: "/exp", methods: testCatalog })).runs;
  return runs.map((spec) => ({ v: 1, id: spec.id, status: "done", finishedAt: "", spec, result: result(spec) }));
}

describe("aggregation over seeds", () => {
  it("reports the population std (as CoOp's parse_test_res.py) and the sample std beside it", () => {
    // values 0.70, 0.72, 0.74: mean 0.72; population var = (0.0004+0+0.0004)/3; sample var = 0.0008/2
    const s = stat([0.7, 0.72, 0.74]);
    expect(s.mean).toBeCloseTo(0.72, 12);
    expect(s.std).toBeCloseTo(Math.sqrt(0.0008 / 3), 12);
    expect(s.sampleStd).toBeCloseTo(0.02, 12);
    expect(stat([0.5])).toMatchObject({ std: 0, sampleStd: null, n: 1 });
  });

  it("takes HM from the seed-averaged base and new accuracies, and averages datasets before the HM", () => {
    const manifest = testManifest({ protocol: { kind: "base-to-new", shots: [16] }, methods: [{ method: "coop" }], seeds: [1, 2] });
    const bySeed: Record<string, [number, number]> = {
      "emo-pets/1": [0.9, 0.5], "emo-pets/2": [0.7, 0.7], "emo-food/1": [0.8, 0.6], "emo-food/2": [0.8, 0.6],
    };
    const rows = aggregate(records(manifest, (spec) => {
      const [base, novel] = bySeed[`${spec.dataset}/${spec.seed}`]!;
      return { ...fakeResult(spec), baseAccuracy: base, newAccuracy: novel };
    }));
    const pets = rows.rows.find((row) => row.dataset === "emo-pets")!;
    // means 0.8 and 0.6: HM = 2*0.8*0.6/1.4 = 0.685714..., not the mean of per-seed HMs (0.6429+0.7)/2
    expect(pets.hm).toBeCloseTo(0.96 / 1.4, 12);
    expect(rows.averages[0]!.hm).toBeCloseTo(harmonicMean(0.8, 0.6), 12);
  });

  it("groups by entry, dataset and shots, in the manifest's entry order, with mean curves", () => {
    const result = aggregate(records(testManifest()), ["gram+coop", "coop"]);
    expect(result.entries).toEqual(["gram+coop", "coop"]);
    expect(result.rows).toHaveLength(2 * 2 * 2);
    expect(result.rows[0]!.seeds).toEqual([1, 2]);
    expect(result.rows[0]!.curve).toHaveLength(2);
    expect(result.rows[0]!.curve[0]!.loss).toBeCloseTo((2 / 2 + 2 / 3) / 2, 12);
    expect(result.averages).toHaveLength(2 * 2);
  });
});
