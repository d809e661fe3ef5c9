import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as tf from "@tensorflow/tfjs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { initBackend } from "../backend/select.js";
import { isVlpromptError } from "../errors.js";
import { Rng } from "../tensor/rng.js";
import { loadGoldenCase, type GoldenCase } from "../testing/golden-method.js";
import { corpusFeatures, type CorpusFeatures } from "./features.js";
import { kMeans } from "./kmeans.js";
import { keywordNames } from "./naming.js";
import { metaTrainDefaults, type MetaTrainSettings } from "./options.js";
import { buildHierarchy, checkTaskable, sampleTask, type TaskHierarchy } from "./tasks.js";
import { syntheticCorpus } from "./test-corpus.js";

/** 3 domains x 3 classes x 6 items: image features say domain (+ a little class), captions say class. */
function plantedFeatures(): CorpusFeatures & { domain: number[]; cls: number[] } {
  const rng = new Rng(3);
  const e = 8;
  const directions = Array.from({ length: 12 }, () => rng.normalArray(e));
  const image: number[] = [];
  const text: number[] = [];
  const captions: string[] = [];
  const domain: number[] = [];
  const cls: number[] = [];
  for (let d = 0; d < 3; d++) {
    for (let c = 0; c < 3; c++) {
      for (let m = 0; m < 6; m++) {
        const k = d * 3 + c;
        image.push(...directions[d]!.map((v, t) => 3 * v + directions[3 + k]![t]! + 0.05 * rng.normal()));
        text.push(...directions[3 + k]!.map((v, t) => v + 0.6 * directions[d]![t]! + 0.05 * rng.normal()));
        captions.push(`a photo of class${k} in style${d} ${m % 2 ? "small" : "big"}`);
        domain.push(d);
        cls.push(k);
      }
    }
  }
  return { size: 54, embedDim: e, image: Float32Array.from(image), text: Float32Array.from(text), captions, domain, cls };
}

const settings: MetaTrainSettings = { ...metaTrainDefaults, coarseClusters: 3, finePerCoarse: 3, ways: 3, supportShots: 2, queryShots: 3, nameWords: 1 };

function expectCode(fn: () => unknown, code: string): void {
  let caught: unknown;
  try {
    fn();
  } catch (error) {
    caught = error;
  }
  expect(isVlpromptError(caught, code), `expected ${code}, got ${String(caught)}`).toBe(true);
}

describe("task construction by cross-modal hierarchical clustering", () => {
  beforeAll(async () => {
    await initBackend({ backend: "wasm", log: () => {} });
  });

  it("k-means++ recovers well-separated clusters, deterministically for a seed", () => {
    const rng = new Rng(1);
    const centres = [[0, 0], [10, 0], [0, 10]];
    const data = Float32Array.from(centres.flatMap((c) => Array.from({ length: 20 }, () => [c[0]! + rng.normal(), c[1]! + rng.normal()]).flat()));
    const a = kMeans(data, 60, 2, 3, new Rng(5));
    const b = kMeans(data, 60, 2, 3, new Rng(5));
    expect(Array.from(a.assignments)).toEqual(Array.from(b.assignments));
    for (let c = 0; c < 3; c++) expect(new Set(a.assignments.slice(c * 20, c * 20 + 20)).size).toBe(1);
    expect(new Set(a.assignments).size).toBe(3);
    expect(kMeans(data, 60, 2, 100, new Rng(5)).k).toBe(60);
  });

  it("finds domains (coarse) and pseudo-classes (fine) and names them by caption keywords", () => {
    const f = plantedFeatures();
    const h = buildHierarchy(f, settings, new Rng(2));
    expect(h.coarseCount).toBe(3);
    expect(h.fine.length).toBe(9);
    for (const items of h.itemsByCoarse) expect(new Set(items.map((i) => f.domain[i])).size).toBe(1);
    for (const fine of h.fine) {
      expect(new Set(fine.members.map((i) => f.cls[i])).size).toBe(1);
      expect(fine.name).toBe(`class${f.cls[fine.members[0]!]}`);
    }
    expect(buildHierarchy(f, { ...settings, naming: "caption", maxNameWords: 4 }, new Rng(2)).fine[0]!.name).toMatch(/^a photo of class\d$/);
  });

  it("keyword names prefer words that set a cluster apart, and stay unique", () => {
    const captions = ["red dog photo", "red dog photo", "blue dog photo", "blue dog photo"];
    expect(keywordNames([[0, 1], [2, 3]], captions, 1, 4)).toEqual(["red", "blue"]);
    expect(keywordNames([[0], [1]], captions, 1, 4)).toEqual(["dog", "dog photo"]);
  });

  function checkSides(h: TaskHierarchy, f: ReturnType<typeof plantedFeatures>): void {
    for (let seed = 0; seed < 5; seed++) {
      const task = sampleTask(h, f.captions, settings, new Rng(seed));
      expect(task.domains[0]).not.toBe(task.domains[1]);
      expect(task.support.items.length).toBe(3 * 2);
      expect(task.query.items.length).toBe(3 * 3);
      expect(new Set(task.support.items.map((i) => f.domain[i]))).toEqual(new Set([f.domain[task.support.items[0]!]]));
      expect(f.domain[task.query.items[0]!]).not.toBe(f.domain[task.support.items[0]!]);
      task.support.items.forEach((item, j) => expect(task.support.classNames[task.support.labels[j]!]).toBe(`class${f.cls[item]}`));
      expect(new Set(task.support.classNames).size).toBe(3);
    }
  }

  it("draws N-way K-shot tasks with support and query from different domains", () => {
    const f = plantedFeatures();
    const h = buildHierarchy(f, settings, new Rng(2));
    checkTaskable(h, settings);
    checkSides(h, f);
    expect(sampleTask(h, f.captions, settings, new Rng(9))).toEqual(sampleTask(h, f.captions, settings, new Rng(9)));
  });

  it("draws same-domain tasks (held-out items of the same pseudo-classes) and in-batch contrastive tasks", () => {
    const f = plantedFeatures();
    const h = buildHierarchy(f, settings, new Rng(2));
    const same = sampleTask(h, f.captions, { ...settings, queryDomain: "same" }, new Rng(4));
    expect(same.query.classNames).toEqual(same.support.classNames);
    expect(same.support.items.filter((i) => same.query.items.includes(i))).toEqual([]);
    const pairs = sampleTask(h, f.captions, { ...settings, task: "contrastive", ways: 4, maxNameWords: 5 }, new Rng(4));
    expect(pairs.support.labels).toEqual([0, 1, 2, 3]);
    expect(pairs.support.classNames).toEqual(pairs.support.items.map((i) => f.captions[i]!.split(" ").slice(0, 5).join(" ")));
    expect(pairs.domains[0]).not.toBe(pairs.domains[1]);
  });

  it("says when the corpus cannot supply the tasks (VLP_GRAM_CORPUS)", () => {
    const f = plantedFeatures();
    const h = buildHierarchy(f, settings, new Rng(2));
    expectCode(() => checkTaskable(h, { ...settings, ways: 4 }), "VLP_GRAM_CORPUS");
    expectCode(() => checkTaskable(h, { ...settings, supportShots: 7 }), "VLP_GRAM_CORPUS");
    const one = buildHierarchy(f, { ...settings, coarseClusters: 1, finePerCoarse: 9 }, new Rng(2));
    expectCode(() => checkTaskable(one, settings), "VLP_GRAM_CORPUS");
    checkTaskable(one, { ...settings, queryDomain: "same" });
  });

  describe("frozen features of a corpus", () => {
    let c: GoldenCase;
    let dir: string;
    beforeAll(async () => {
      c = await loadGoldenCase("coop");
      dir = mkdtempSync(join(tmpdir(), "gram-features-"));
    });
    afterAll(() => {
      c.dispose();
      rmSync(dir, { recursive: true, force: true });
    });

    it("are computed once per corpus and backbone, and cached on disk", async () => {
      const corpus = syntheticCorpus({ domains: 2, classesPerDomain: 2, perClass: 3, resolution: 32 });
      const before = tf.memory().numTensors;
      const features = await corpusFeatures(c.backbone, corpus, dir);
      expect(tf.memory().numTensors).toBe(before);
      expect(features.image.length).toBe(12 * 32);
      expect(features.captions[0]).toBe(corpus.caption(0));
      expect(await corpusFeatures(c.backbone, corpus, dir)).toBe(features);
      expect(readdirSync(dir).filter((n) => n.startsWith("gram-features-"))).toHaveLength(1);
      const again = syntheticCorpus({ domains: 2, classesPerDomain: 2, perClass: 3, resolution: 32 });
      const fromDisk = await corpusFeatures(c.backbone, again, dir);
      expect(fromDisk).not.toBe(features);
      expect(Array.from(fromDisk.text)).toEqual(Array.from(features.text));
    });
  });
});
