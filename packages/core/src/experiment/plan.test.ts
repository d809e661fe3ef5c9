import { describe, expect, it } from "vitest";
import { catalogFromMethods } from "./catalog.js";
import { planManifest } from "./plan.js";
import { manifestIssues } from "./validate.js";
import { resolveManifest } from "./resolve.js";
import { testCatalog, testManifest } from "./test-fixtures.js";
import type { Manifest } from "./schema.js";

const resolveIn = (manifest: Manifest, baseDir = "/exp") =>
  resolveManifest(manifest, { baseDir, cwd: "/work", methods: testCatalog });

describe("resolving defaults and overrides", () => {
  it("layers recipes: built-in < method < manifest < entry, and merges method defaults under options", () => {
    const manifest = testManifest({
      recipe: { batchSize: 8 },
      methods: [{ method: "coop", options: { nCtx: 4 }, recipe: { lr: 0.01 } }, { method: "cocoop" }],
    });
    const [coop, cocoop] = resolveIn(manifest).entries;
    expect(coop!.recipe).toMatchObject({ epochs: 10, batchSize: 8, lr: 0.01, momentum: 0.9, schedule: "cosine" });
    expect(cocoop!.recipe).toMatchObject({ epochs: 50, batchSize: 8, lr: 0.002 });
    expect(coop!.options).toEqual({ nCtx: 4, ctxInit: null });
    expect(cocoop!.options).toEqual({ nCtx: 4 });
  });

  it("fills in ids, shots, seeds, output directory and absolute paths", () => {
    const resolved = resolveIn(testManifest({ protocol: { kind: "base-to-new" }, seeds: undefined }));
    expect(resolved.entries.map((entry) => entry.id)).toEqual(["coop", "gram+coop"]);
    expect(resolved.protocol).toEqual({ kind: "base-to-new", shots: [16], targets: [] });
    expect(resolved.seeds).toEqual([1, 2, 3]);
    expect(resolved.outDir).toBe("/work/runs/unit");
    expect(resolved.entries[1]!.gram).toEqual({ init: true, regulate: true, options: {}, metaCheckpoint: "/exp/meta.safetensors" });
    expect(resolveIn(testManifest({ output: { dir: "out" } })).outDir).toBe("/exp/out");
  });
});

describe("planning the grid", () => {
  it("expands methods x datasets x shots x seeds", () => {
    const plan = planManifest(resolveIn(testManifest()));
    expect(plan.runs).toHaveLength(2 * 2 * 2 * 2);
    expect(new Set(plan.runs.map((run) => run.id)).size).toBe(16);
    const big = testManifest({ datasets: ["a", "b", "c"], protocol: { kind: "few-shot" }, seeds: [1, 2, 3] });
    expect(planManifest(resolveIn(big)).runs).toHaveLength(2 * 3 * 5 * 3);
    // entries vary fastest, so each comparison fills in together
    expect(plan.runs.slice(0, 2).map((run) => [run.entryId, run.dataset, run.shots, run.seed])).toEqual([
      ["coop", "emo-pets", 1, 1],
      ["gram+coop", "emo-pets", 1, 1],
    ]);
  });

  it("gives stable ids that ignore the experiment name and output folder but not the recipe", () => {
    const ids = (manifest: Manifest, baseDir?: string) => planManifest(resolveIn(manifest, baseDir)).runs.map((run) => run.id);
    const base = ids(testManifest());
    expect(ids(testManifest())).toEqual(base);
    expect(ids(testManifest({ name: "renamed", output: { dir: "elsewhere" } }))).toEqual(base);
    expect(ids(testManifest({ recipe: { epochs: 3 } }))).not.toContain(base[0]);
    // moving the checkout keeps ids (paths are hashed as written)
    expect(ids(testManifest(), "/moved")).toEqual(base);
  });

  it("plans one meta-training job per (method, options, backbone) and reuses it across entries", () => {
    const manifest = testManifest({
      methods: [
        { method: "coop" },
        { id: "gram-a", method: "coop", gram: true },
        { id: "gram-b", method: "coop", gram: { init: false }, recipe: { lr: 0.1 } },
        { id: "gram-c", method: "coop", options: { nCtx: 4 }, gram: true },
        { id: "gram-file", method: "coop", gram: { metaCheckpoint: "given.safetensors" } },
      ],
    });
    const plan = planManifest(resolveIn(manifest));
    expect(plan.metaJobs.map((job) => job.usedBy)).toEqual([["gram-a", "gram-b"], ["gram-c"]]);
    const byEntry = (id: string) => plan.runs.find((run) => run.entryId === id)!.gram!;
    expect(byEntry("gram-a").metaJobId).toBe(plan.metaJobs[0]!.id);
    expect(byEntry("gram-b").metaCheckpoint).toBe(plan.metaJobs[0]!.checkpointPath);
    expect(byEntry("gram-file")).toMatchObject({ metaJobId: null, metaCheckpoint: "/exp/given.safetensors" });
    expect(plan.metaJobs[0]!.checkpointPath).toMatch(/^\/work\/runs\/unit\/meta\/[0-9a-f]{16}\/meta-checkpoint.safetensors$/);
  });
});

describe("recipe presets and epochs by shot count", () => {
  const presets: Record<string, Record<string, unknown>> = {
    "coop-paper": { epochs: 200, lr: 0.002, epochsByShots: { "1": 50, "2": 100, "8": 200 } },
    "coop-tiny": { epochs: 4, lr: 0.01, batchSize: 8, epochsByShots: { "2": 3, "16": 6 } },
  };
  const catalog = catalogFromMethods(
    [{ name: "coop", optionsSchema: { type: "object" }, recipe: "coop-paper" }],
    { recipePresets: (name) => presets[name], recipePresetNames: () => Object.keys(presets) },
  );
  const epochsByShots = (manifest: Manifest) =>
    planManifest(resolveManifest(manifest, { baseDir: "/exp", cwd: "/work", methods: catalog })).runs.map((run) => [run.shots, run.recipe.epochs]);
  const grid = (overrides: Partial<Manifest>) =>
    testManifest({ datasets: ["d"], seeds: [1], protocol: { kind: "few-shot", shots: [1, 2, 4, 16] }, methods: [{ method: "coop" }], recipe: undefined, ...overrides });

  it("applies the method's preset table per shot count (largest listed count at or below K)", () => {
    expect(epochsByShots(grid({}))).toEqual([[1, 50], [2, 100], [4, 100], [16, 200]]);
  });

  it("lets a later layer's epochs replace the table, and a named preset bring its own", () => {
    expect(epochsByShots(grid({ recipe: { epochs: 7 } }))).toEqual([[1, 7], [2, 7], [4, 7], [16, 7]]);
    const tiny = grid({ methods: [{ method: "coop", recipe: { preset: "coop-tiny", lr: 0.5 } }] });
    // shots below the smallest listed count take the smallest entry
    expect(epochsByShots(tiny)).toEqual([[1, 3], [2, 3], [4, 3], [16, 6]]);
    const run = planManifest(resolveManifest(tiny, { baseDir: "/exp", cwd: "/work", methods: catalog })).runs[0]!;
    expect(run.recipe).toMatchObject({ lr: 0.5, batchSize: 8 });
    expect(run.recipe).not.toHaveProperty("epochsByShots");
    // epochs beside a preset replace that preset's table too
    const tinyLonger = grid({ methods: [{ method: "coop", recipe: { preset: "coop-tiny", epochs: 11 } }] });
    expect(epochsByShots(tinyLonger)).toEqual([[1, 11], [2, 11], [4, 11], [16, 11]]);
    const table = grid({ recipe: { epochsByShots: { "4": 9 } }, methods: [{ method: "coop", recipe: { lr: 0.1 } }] });
    expect(epochsByShots(table)).toEqual([[1, 9], [2, 9], [4, 9], [16, 9]]);
  });

  it("reports an unknown preset with a suggestion, and a malformed table at its pointer", () => {
    const issues = manifestIssues(grid({ methods: [{ method: "coop", recipe: { preset: "coop-tin" } }] }), { methods: catalog });
    expect(issues).toMatchObject([{ pointer: "/methods/0/recipe/preset", suggestion: "coop-tiny" }]);
    expect(issues[0]!.message).toContain('unknown recipe preset "coop-tin"');
    const bad = manifestIssues(grid({ recipe: { epochsByShots: { "0": 5, "4": 1.5 } as Record<string, number> } }), { methods: catalog });
    expect(bad.map((issue) => issue.pointer)).toEqual(expect.arrayContaining(["/recipe/epochsByShots/4"]));
    expect(bad.length).toBeGreaterThanOrEqual(2);
  });
});
