import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { isVlpromptError } from "../errors.js";
import { catalogFromMethods } from "./catalog.js";
import { testCatalog, testManifest } from "./test-fixtures.js";
import { assertValidManifest, manifestIssues, ManifestValidationError } from "./validate.js";

const pointers = (data: unknown, ctx = { methods: testCatalog }) => manifestIssues(data, ctx).map((issue) => issue.pointer);

describe("manifest validation", () => {
  it("accepts a minimal manifest and the test manifest", () => {
    expect(manifestIssues(testManifest(), { methods: testCatalog })).toEqual([]);
    const minimal = { name: "m", datasets: ["d"], protocol: { kind: "few-shot" }, methods: [{ method: "coop" }] };
    expect(manifestIssues(minimal, { methods: testCatalog })).toEqual([]);
  });

  it("reports all seven mistakes of one manifest, each at its pointer, in document order", () => {
    const manifest = {
      name: "seven",
      colour: "blue", // 1 unknown field
      backend: "wasm2", // 2 not an allowed backend
      datasets: ["emo-pets"],
      protocol: { kind: "few-shot", shots: [0, 4] }, // 3 shots must be >= 1
      methods: [
        { method: "cop" }, // 4 unknown method
        { method: "coop", options: { nCtx: 1.5 } }, // 5 the method's own schema: integer
        { id: "coop", method: "coop", recipe: { lr: -1 } }, // 6 duplicate id, 7 lr must be > 0
      ],
    };
    const issues = manifestIssues(manifest, { methods: testCatalog });
    expect(issues.map((issue) => issue.pointer)).toEqual([
      "/colour",
      "/backend",
      "/protocol/shots/0",
      "/methods/0/method",
      "/methods/1/options/nCtx",
      "/methods/2/id",
      "/methods/2/recipe/lr",
    ]);
    const text = issues.map((issue) => issue.message);
    expect(text[0]).toMatch(/unknown field "colour"/);
    expect(text[1]).toMatch(/one of auto, tensorflow, webgpu, wasm, cpu; got "wasm2"; did you mean "wasm"/);
    expect(text[2]).toMatch(/>= 1; got 0/);
    expect(text[3]).toMatch(/unknown method "cop"; did you mean "coop"/);
    expect(text[4]).toMatch(/expected integer, got 1.5/);
    expect(text[5]).toMatch(/already used by \/methods\/1/);
    expect(text[6]).toMatch(/> 0; got -1/);
  });

  it("throws one coded error listing every issue", () => {
    const bad = { ...testManifest(), seeds: [1, 1], extra: true };
    try {
      assertValidManifest(bad, { methods: testCatalog }, "bad.json");
      expect.unreachable();
    } catch (error) {
      expect(isVlpromptError(error, "VLP_MANIFEST_INVALID")).toBe(true);
      expect((error as ManifestValidationError).issues.map((i) => i.pointer)).toEqual(["/seeds/1", "/extra"]);
      expect((error as Error).message).toMatch(/bad.json has 2 problems/);
    }
  });

  it("treats unknown fields as errors at every level and suggests the nearest field", () => {
    const manifest = testManifest({
      recipe: { epochs: 2, learningRate: 0.1 } as never,
      methods: [{ method: "coop", gram: { metaCheckpont: "x" } } as never],
      output: { dirr: "out" } as never,
    });
    const issues = manifestIssues({ ...manifest, seed: [1] }, { methods: testCatalog });
    expect(issues.map((issue) => [issue.pointer, issue.suggestion])).toEqual([
      ["/methods/0/gram/metaCheckpont", "metaCheckpoint"],
      ["/recipe/learningRate", undefined],
      ["/output/dirr", "dir"],
      ["/seed", "seeds"],
    ]);
  });

  it("suggests the nearest registered method and option names", () => {
    const manifest = testManifest({ methods: [{ method: "cocop" }, { method: "COOP" }, { method: "coop", options: { nctx: 4 } }] });
    const issues = manifestIssues(manifest, { methods: testCatalog });
    expect(issues.map((issue) => [issue.pointer, issue.suggestion])).toEqual([
      ["/methods/0/method", "cocoop"],
      ["/methods/1/method", "coop"],
      ["/methods/2/options/nctx", "nCtx"],
    ]);
    const far = manifestIssues(testManifest({ methods: [{ method: "transformer" }] }), { methods: testCatalog });
    expect(far[0]!.suggestion).toBeUndefined();
    expect(far[0]!.message).toMatch(/known: cocoop, coop, maple, vpt/);
  });

  it("reports the branch of a union that fits the value's type", () => {
    expect(manifestIssues({ ...testManifest(), backbone: "defualt" }).map((i) => [i.pointer, i.message])).toEqual([
      ["/backbone", 'expected "default" or an object, got "defualt"'],
    ]);
    expect(pointers({ ...testManifest(), backbone: { weights: 3 } })).toEqual(["/backbone/weights", "/backbone/tokenizer"]);
    expect(pointers({ ...testManifest(), methods: [{ method: "coop", gram: "yes" }] })).toEqual(["/methods/0/gram"]);
  });

  it("reports only the protocol branch named by kind", () => {
    const crossDomain = { ...testManifest(), protocol: { kind: "cross-domain", shots: [16] } };
    expect(manifestIssues(crossDomain).map((i) => [i.pointer, i.message])).toEqual([["/protocol/targets", "required field is missing"]]);
    const unknownKind = manifestIssues({ ...testManifest(), protocol: { kind: "fewshot" } });
    expect(unknownKind.map((i) => [i.pointer, i.suggestion])).toEqual([["/protocol/kind", "few-shot"]]);
  });

  it("checks dataset and target names when a catalog is given, and files relative to the manifest", () => {
    const dir = mkdtempSync(join(tmpdir(), "vlp-validate-"));
    writeFileSync(join(dir, "weights.safetensors"), "");
    const manifest = {
      ...testManifest(),
      datasets: ["emo-pets", "emo-pest"],
      protocol: { kind: "cross-dataset", targets: ["emo-food", "imagenet"] },
      backbone: { weights: "weights.safetensors", tokenizer: "vocab.txt.gz" },
    };
    const datasets = { names: () => ["emo-pets", "emo-food"] };
    const issues = manifestIssues(manifest, { methods: testCatalog, datasets, baseDir: dir });
    expect(issues.map((i) => [i.pointer, i.suggestion])).toEqual([
      ["/datasets/1", "emo-pets"],
      ["/protocol/targets/1", undefined],
      ["/methods/1/gram/metaCheckpoint", undefined],
      ["/backbone/tokenizer", undefined], // backbone comes last in this object's key order
    ]);
  });

  it("skips name checks without a catalog and copes with values of any type", () => {
    expect(manifestIssues(testManifest({ methods: [{ method: "anything" }] }))).toEqual([]);
    for (const value of [null, 3, "x", [], { methods: "no" }]) expect(manifestIssues(value).length).toBeGreaterThan(0);
  });

  it("reports a method whose own options schema does not compile instead of crashing", () => {
    const broken = catalogFromMethods([{ name: "odd", optionsSchema: { type: "nonsense" } }]);
    const issues = manifestIssues(testManifest({ methods: [{ method: "odd" }] }), { methods: broken });
    expect(issues.map((i) => i.pointer)).toEqual(["/methods/0/options"]);
    expect(issues[0]!.message).toMatch(/does not compile/);
  });
});
