import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { initBackend } from "../backend/select.js";
import type { MetaJobSpec, RunProgress } from "../experiment/types.js";
import { Rng } from "../tensor/rng.js";
import { loadGoldenCase, type GoldenCase } from "../testing/golden-method.js";
import { createMetaTrainExecutor, resolveMetaCorpus, withGramSpec } from "./executor.js";
import { syntheticCorpus } from "./test-corpus.js";
import { tinyMethod } from "./test-methods.js";

describe("GRAM meta-training executor (experiment contract)", () => {
  let c: GoldenCase;
  let dir: string;
  beforeAll(async () => {
    await initBackend({ backend: "wasm", log: () => {} });
    c = await loadGoldenCase("coop");
    dir = mkdtempSync(join(tmpdir(), "gram-exec-"));
  });
  afterAll(() => {
    c.dispose();
    rmSync(dir, { recursive: true, force: true });
  });

  it("runs a manifest's meta-training job, reports progress, and the run side loads its checkpoint", async () => {
    const corpus = syntheticCorpus({ domains: 3, classesPerDomain: 3, perClass: 4, resolution: 32 });
    const executor = createMetaTrainExecutor({
      resolveMethod: () => tinyMethod,
      loadBackbone: async () => c.backbone,
      loadCorpus: async (name) => {
        expect(name).toBe("builtin");
        return corpus;
      },
    });
    const job: MetaJobSpec = {
      id: "job1",
      method: "tiny",
      options: { textTokens: 2 },
      gramOptions: { regulators: { text: { kind: "diagonal" } } },
      backbone: { kind: "default" },
      backend: "wasm",
      metaTraining: {
        corpus: "builtin", steps: 2, tasksPerStep: 1, innerSteps: 1, innerLr: 0.1, outerLr: 0.01, ways: 3,
        supportShots: 2, queryShots: 2, firstOrder: true, seed: 1,
        options: { coarseClusters: 3, finePerCoarse: 3, nameWords: 1 },
      },
      checkpointPath: join(dir, "meta", "job1", "meta-checkpoint.safetensors"),
      usedBy: ["gram+tiny"],
    };
    const progress: RunProgress[] = [];
    const result = await executor(job, { progress: (p) => progress.push(p), signal: new AbortController().signal });
    expect(result.checkpointPath).toBe(job.checkpointPath);
    expect(existsSync(job.checkpointPath)).toBe(true);
    expect(result.details).toMatchObject({ steps: 2, resumedFrom: 0, corpus: corpus.name });
    expect(progress.filter((p) => p.phase === "train").map((p) => p.step)).toEqual([1, 2]);

    const spec = { init: true, regulate: true, options: job.gramOptions, metaCheckpoint: job.checkpointPath };
    const learner = withGramSpec(tinyMethod, spec).create(tinyMethod.parseOptions(job.options), { backbone: c.backbone, classNames: c.classNames, rng: new Rng(0) });
    expect(learner.regulators!.regulators.text!.spec.kind).toBe("diagonal");
    learner.dispose();
    const off = withGramSpec(tinyMethod, { ...spec, regulate: false }).create(tinyMethod.parseOptions(job.options), { backbone: c.backbone, classNames: c.classNames, rng: new Rng(0) });
    expect(off.regulators).toBeNull();
    expect(off.gradientTransform).toBeUndefined();
    off.dispose();
  });

  it("resolves the committed fixture corpus, CLIP-preprocessed for the backbone", async () => {
    const corpus = await resolveMetaCorpus("fixture", c.backbone);
    expect(corpus.size).toBeGreaterThan(10);
    const image = await corpus.image(0);
    expect(image.shape).toEqual([3, 32, 32]);
    image.dispose();
    expect(corpus.caption(0).length).toBeGreaterThan(0);
  });
});
