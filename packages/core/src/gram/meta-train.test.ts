import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as tf from "@tensorflow/tfjs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { initBackend } from "../backend/select.js";
import { Rng } from "../tensor/rng.js";
import { loadGoldenCase, type GoldenCase } from "../testing/golden-method.js";
import { readMetaCheckpoint, sidecarPath } from "./checkpoint.js";
import { MetaSession } from "./meta-session.js";
import { metaTrain } from "./meta-train.js";
import { resumePaths } from "./resume.js";
import { syntheticCorpus, type SyntheticCorpus } from "./test-corpus.js";
import { tinyMethod } from "./test-methods.js";
import { withGram } from "./with-gram.js";

const settings = { coarseClusters: 3, finePerCoarse: 3, ways: 3, supportShots: 2, queryShots: 2, nameWords: 1, innerLr: 0.1, tasksPerStep: 2, outerLr: 0.03 };

describe("GRAM meta-training", () => {
  let c: GoldenCase;
  let corpus: SyntheticCorpus;
  let dir: string;

  beforeAll(async () => {
    await initBackend({ backend: "wasm", log: () => {} });
    c = await loadGoldenCase("coop");
    corpus = syntheticCorpus({ domains: 3, classesPerDomain: 3, perClass: 4, resolution: 32 });
    dir = mkdtempSync(join(tmpdir(), "gram-meta-"));
  });
  afterAll(() => {
    c.dispose();
    rmSync(dir, { recursive: true, force: true });
  });

  it("lowers the query loss after adaptation on held-out tasks of the fixture corpus", async () => {
    const session = await MetaSession.open({ method: tinyMethod, methodOptions: { textTokens: 2 }, backbone: c.backbone, corpus, settings });
    const heldOut = session.tasksAt(0, 6, "held-out");
    const before = await session.evaluate(heldOut);
    const tensors = tf.memory().numTensors;
    for (let i = 0; i < 12; i++) await session.outerStep();
    expect(tf.memory().numTensors).toBe(tensors);
    const after = await session.evaluate(heldOut);
    expect(after.queryLoss).toBeLessThan(before.queryLoss - 0.03);
    session.dispose();
  });

  it("writes a meta-checkpoint that withGram loads, and resumes exactly where it stopped", async () => {
    const path = join(dir, "tiny.safetensors");
    const common = { method: tinyMethod, methodOptions: { textTokens: 2 }, backbone: c.backbone, corpus, checkpointPath: path };
    const straight = await metaTrain({ ...common, checkpointPath: join(dir, "straight.safetensors"), settings: { ...settings, steps: 4 } });
    const first = await metaTrain({ ...common, settings: { ...settings, steps: 2 } });
    expect(first.resumedFrom).toBe(0);
    const resumed = await metaTrain({ ...common, settings: { ...settings, steps: 4 } });
    expect(resumed.resumedFrom).toBe(2);
    expect(resumed.checkpoint.init).toEqual(straight.checkpoint.init);
    expect(resumed.checkpoint.regulator).toEqual(straight.checkpoint.regulator);
    expect(resumed.checkpoint.info.losses).toEqual(straight.checkpoint.info.losses);
    expect(existsSync(sidecarPath(path)) && existsSync(resumePaths(path).json)).toBe(true);

    const info = JSON.parse(readFileSync(sidecarPath(path), "utf8"));
    expect(info).toMatchObject({ method: "tiny", steps: 4, corpus: { name: corpus.name, size: corpus.size }, regulate: "prompts" });
    expect(info.params.textContext).toEqual({ shape: [2, 48], role: "text" });
    expect(info.backbone.hash).toMatch(/^sha256:/);
    const learner = withGram(tinyMethod, { metaCheckpoint: path }).create(tinyMethod.parseOptions({ textTokens: 2 }), {
      backbone: c.backbone,
      classNames: c.classNames,
      rng: new Rng(0),
    });
    expect(Array.from(learner.params.textContext!.dataSync())).toEqual(Array.from(readMetaCheckpoint(path).init.textContext!.data));
    expect(typeof learner.gradientTransform).toBe("function");
    learner.dispose();
  });

  it("starts afresh when the saved state was made with other settings, and saves state when aborted", async () => {
    const path = join(dir, "abort.safetensors");
    const common = { method: tinyMethod, methodOptions: { textTokens: 2 }, backbone: c.backbone, corpus, checkpointPath: path };
    const controller = new AbortController();
    const interrupted = metaTrain({ ...common, settings: { ...settings, steps: 5 }, signal: controller.signal, onStep: (p) => p.step === 0 && controller.abort(new Error("stop")) });
    await expect(interrupted).rejects.toThrow("stop");
    expect(JSON.parse(readFileSync(resumePaths(path).json, "utf8")).step).toBe(1);
    const messages: string[] = [];
    const other = await metaTrain({ ...common, settings: { ...settings, steps: 1, innerLr: 0.2 }, log: (m) => messages.push(m) });
    expect(other.resumedFrom).toBe(0);
    expect(messages.join()).toContain("other settings");
  });

  it("meta-learns text and vision prompts jointly (UNIGRAM), second order, in-batch contrastive tasks", async () => {
    const before = tf.memory().numTensors;
    const outcome = await metaTrain({
      method: tinyMethod,
      methodOptions: { textTokens: 2, visionTokens: 2, metaNet: true },
      gram: { regulate: "all", regulators: { vision: { kind: "supmer", rank: 8 } } },
      backbone: c.backbone,
      corpus,
      settings: { ...settings, steps: 2, tasksPerStep: 1, innerSteps: 2, firstOrder: false, task: "contrastive", ways: 3, maxNameWords: 2 },
    });
    const { info, init, regulator } = outcome.checkpoint;
    expect(Object.keys(init).sort()).toEqual(["metaNetBias", "textContext", "visionPrompt"]);
    expect(info.params.visionPrompt!.role).toBe("vision");
    expect(info.params.metaNetBias!.role).toBe("other");
    expect(Object.keys(regulator).sort()).toEqual(["gate/metaNetBias", "text/W", "text/b", "vision/bias0", "vision/bias1", "vision/blend", "vision/down0", "vision/down1", "vision/up0", "vision/up1"]);
    expect(info.losses).toHaveLength(2);
    expect(info.losses.every((p) => Number.isFinite(p.queryLoss))).toBe(true);
    expect(tf.memory().numTensors).toBe(before);
  });
});
