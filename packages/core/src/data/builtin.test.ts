import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { classCounts } from "./dataset.js";
import { BUILTIN_DATASET_NAMES, readDatasetFile } from "./dataset-files.js";
import { datasetDefinition, loadDataset } from "./builtin.js";
import { loadFixtureDataset } from "./fixture.js";
import { builtinDatasets, crossDataset, crossDomain } from "./protocols.js";
import { BENCHMARK_STYLES, sourceById } from "./sources.js";

const ids = (d: { size: number; itemId(i: number): string }) => Array.from({ length: d.size }, (_, i) => d.itemId(i));

describe("fixture datasets (real images from the sources, 32 px)", () => {
  it("emoji: 12 classes x 6 benchmark styles x 4 train / 2 test renders", () => {
    const train = loadFixtureDataset({ split: "train" });
    const test = loadFixtureDataset({ split: "test" });
    expect(train.classNames).toHaveLength(12);
    expect(train.size).toBe(12 * 6 * 4);
    expect(test.size).toBe(12 * 6 * 2);
    expect(classCounts(train)).toEqual(Array(12).fill(24));
    const trainIds = new Set(ids(train));
    expect(ids(test).some((id) => trainIds.has(id))).toBe(false);
    expect(new Set(Array.from({ length: train.size }, (_, i) => train.itemDomain(i)))).toEqual(new Set(BENCHMARK_STYLES));
  });

  it("renders are RGB 32x32, deterministic, and differ between renders of one artwork", async () => {
    const d = loadFixtureDataset({ style: "twemoji" });
    expect(d.domain).toBe("twemoji");
    const a = await d.image(0);
    const b = await loadFixtureDataset({ style: "twemoji" }).image(0);
    const c = await d.image(1);
    expect([a.width, a.height, a.data.length]).toEqual([32, 32, 32 * 32 * 3]);
    expect(Array.from(a.data)).toEqual(Array.from(b.data));
    expect(d.itemId(0).replace(/#\d+$/, "")).toBe(d.itemId(1).replace(/#\d+$/, ""));
    expect(Array.from(a.data)).not.toEqual(Array.from(c.data));
  });

  it("selects styles by id or icon family, and rejects unknown ones", () => {
    expect(loadFixtureDataset({ style: ["noto", "noto-v1"] }).size).toBe(12 * 2 * 4);
    const icons = loadFixtureDataset({ kind: "icons", style: "ph" });
    expect(new Set(Array.from({ length: icons.size }, (_, i) => icons.itemDomain(i)))).toEqual(new Set(["ph-regular", "ph-bold"]));
    expect(() => loadFixtureDataset({ style: "apple" })).toThrowError(/VLP_DATA_UNKNOWN_STYLE/);
    expect(() => loadFixtureDataset({ split: "val" as never })).toThrowError(/VLP_DATA_BAD_OPTION/);
  });

  it("icons: every class drawn by several libraries", () => {
    const icons = loadFixtureDataset({ kind: "icons" });
    expect(icons.classNames).toEqual(["dog", "cat", "car", "rocket", "umbrella", "pizza"]);
    expect(Math.min(...classCounts(icons))).toBeGreaterThanOrEqual(2 * 3);
  });
});

describe("committed built-in dataset files", () => {
  it("define the eleven datasets with unique class names and known styles", () => {
    expect(builtinDatasets.map((d) => d.name)).toEqual([...BUILTIN_DATASET_NAMES]);
    for (const name of BUILTIN_DATASET_NAMES) {
      const file = datasetDefinition(name);
      expect(file.name).toBe(name);
      expect(new Set(file.classes.map((c) => c.name)).size).toBe(file.classes.length);
      if (file.kind !== "fashion-mnist") for (const style of file.styles) expect(sourceById(style), style).toBeDefined();
      const train = new Set(file.renders.train);
      if (!file.testArtworks && file.kind !== "fashion-mnist") expect(file.renders.test.some((r) => train.has(r))).toBe(false);
    }
    const sizes = Object.fromEntries(BUILTIN_DATASET_NAMES.map((n) => [n, readDatasetFile(n).classes.length]));
    expect(sizes["emojinet"]).toBeGreaterThan(1000);
    expect(sizes["fashionmnist"]).toBe(10);
    expect(sizes["iconnet"]).toBeGreaterThan(200);
  });

  it("Emo* subsets draw their classes from EmojiNet's concepts; EmoActions splits at the artwork level", () => {
    const emojinet = new Set(readDatasetFile("emojinet").classes.flatMap((c) => c.keys));
    for (const name of ["emoobjects", "emopets", "emovehicles", "emoflora", "emofood", "emofaces"]) {
      for (const cls of readDatasetFile(name).classes) expect(emojinet.has(cls.keys[0]!), `${name}: ${cls.name}`).toBe(true);
    }
    const actions = readDatasetFile("emoactions");
    expect(actions.testArtworks!.length).toBeGreaterThan(100);
    const keys = new Set(actions.classes.flatMap((c) => c.keys));
    for (const artwork of actions.testArtworks!) expect(keys.has(artwork.split("/")[1]!)).toBe(true);
  });

  it("protocols reference real datasets and styles", () => {
    expect(crossDataset.source).toEqual({ dataset: "emojinet", style: "noto" });
    expect(crossDataset.targets).toHaveLength(10);
    const emojinet = datasetDefinition("emojinet");
    expect(emojinet.defaultStyles).toEqual(["noto"]);
    for (const target of crossDomain.targets) for (const style of target.styles) expect(emojinet.styles).toContain(style);
    expect(crossDomain.targets.map((t) => t.analog)).toEqual(["ImageNet-V2", "ImageNet-R", "ImageNet-Sketch", "ImageNet-A"]);
  });

  it("loadDataset reports a missing cache and unknown names with coded errors", () => {
    const empty = mkdtempSync(join(tmpdir(), "vlp-empty-cache-"));
    try {
      expect(() => loadDataset("emopets", { split: "train", cacheDir: empty })).toThrowError(/VLP_DATA_CACHE_MISSING/);
      expect(() => loadDataset("fashionmnist", { split: "test", cacheDir: empty })).toThrowError(/VLP_DATA_FASHION_MNIST_UNAVAILABLE/);
      expect(() => loadDataset("imagenet", { split: "train", cacheDir: empty })).toThrowError(/VLP_DATA_UNKNOWN_DATASET/);
    } finally {
      rmSync(empty, { recursive: true, force: true });
    }
  });
});
