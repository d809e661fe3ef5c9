import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { Rng } from "../tensor/rng.js";
import { fillTemplate, iconWords, makeCaption, withArticle } from "./captions.js";
import { allowedInCorpus, benchmarkCells, splitCorpus } from "./corpus.js";
import { readDatasetFile } from "./dataset-files.js";
import { loadFixtureCorpus } from "./fixture.js";
import { fixtureDir } from "./paths.js";
import { BENCHMARK_STYLES, PRETRAIN_STYLES, sourceById } from "./sources.js";

const corpus = loadFixtureCorpus();
const fixtureFiles = ["emoji", "icons"].map((k) => readDatasetFile(`fixture-${k}`, join(fixtureDir(), "datasets")));
const benchmarkEmoji = new Set(fixtureFiles[0]!.classes.flatMap((c) => c.keys));

describe("the image-text corpus", () => {
  const entries = Array.from({ length: corpus.size }, (_, i) => ({ domain: corpus.domain(i), concept: corpus.concept(i)! }));

  it("never holds a (benchmark class, benchmark style) cell", () => {
    for (const { domain, concept } of entries) {
      const [family, key] = concept.split(":") as [string, string];
      if (family === "emoji" && (BENCHMARK_STYLES as readonly string[]).includes(domain)) expect(benchmarkEmoji.has(key)).toBe(false);
    }
    // Benchmark concepts are still seen in the pretraining styles, and benchmark styles are seen on other concepts.
    const pretrainBenchmark = entries.filter((e) => (PRETRAIN_STYLES as readonly string[]).includes(e.domain) && benchmarkEmoji.has(e.concept.slice(6)));
    expect(pretrainBenchmark.length).toBeGreaterThan(20);
    expect(entries.some((e) => e.domain === "noto")).toBe(true);
  });

  it("keeps IconNet cells and the IconNet-only libraries out", () => {
    const iconNetKeys = new Set(fixtureFiles[1]!.classes.flatMap((c) => c.keys));
    for (const { domain, concept } of entries) {
      expect(["lucide", "tabler-outline"]).not.toContain(domain);
      expect(iconNetKeys.has(concept)).toBe(false);
    }
    expect(entries.some((e) => e.concept === "ph:acorn")).toBe(true);
    const cells = benchmarkCells(fixtureFiles);
    expect(allowedInCorpus(sourceById("ph-bold")!, "dog", cells)).toBe(false);
    expect(allowedInCorpus(sourceById("mdi")!, "dog", cells)).toBe(true);
    expect(allowedInCorpus(sourceById("fluent-flat")!, "1f436", cells)).toBe(true);
    expect(allowedInCorpus(sourceById("twemoji")!, "1f436", cells)).toBe(false);
  });

  it("gives a canonical caption without an Rng and varied, reproducible captions with one", async () => {
    const dog = entries.findIndex((e) => e.concept === "emoji:1f436" && e.domain === "fluent-flat");
    expect(corpus.caption(dog)).toBe("a flat emoji of a dog face");
    const draw = (seed: number) => { const rng = new Rng(seed); return Array.from({ length: 30 }, () => corpus.caption(dog, rng)); };
    expect(draw(5)).toEqual(draw(5));
    expect(new Set(draw(5)).size).toBeGreaterThan(8);
    for (let i = 0; i < corpus.size; i++) expect(corpus.caption(i, new Rng(i))).not.toMatch(/[{}]|undefined/);
    const image = await corpus.image(dog);
    expect([image.width, image.height]).toEqual([32, 32]);
  });

  it("draws a pair as a seeded scene, like the downstream datasets' items", async () => {
    const dog = entries.findIndex((e) => e.concept === "emoji:1f436" && e.domain === "fluent-flat");
    const plain = (await corpus.image(dog)).data;
    const scene = corpus.scene!(dog, 3);
    expect([scene.width, scene.height]).toEqual([32, 32]);
    expect(corpus.scene!(dog, 3).data).toEqual(scene.data);
    expect(corpus.scene!(dog, 4).data).not.toEqual(scene.data);
    expect(scene.data).not.toEqual(plain);
    expect(splitCorpus(corpus, { metaSize: 0, seed: 1 }).pretrain.scene!(dog, 3).data).toEqual(scene.data);
  });

  it("splits into disjoint, reproducible pretraining and meta-training parts", () => {
    const a = splitCorpus(corpus, { metaSize: 40, seed: 1 });
    const b = splitCorpus(corpus, { metaSize: 40, seed: 1 });
    const key = (c: typeof corpus, i: number) => `${c.domain(i)}|${c.concept(i)}`;
    const meta = new Set(Array.from({ length: a.meta.size }, (_, i) => key(a.meta, i)));
    expect(a.meta.size).toBe(40);
    expect(a.pretrain.size).toBe(corpus.size - 40);
    for (let i = 0; i < a.pretrain.size; i++) expect(meta.has(key(a.pretrain, i))).toBe(false);
    expect(Array.from({ length: 40 }, (_, i) => key(b.meta, i))).toEqual([...meta]);
    expect(() => splitCorpus(corpus, { metaSize: corpus.size + 1, seed: 1 })).toThrowError(/VLP_DATA_BAD_OPTION/);
  });
});

describe("caption templates", () => {
  const fields = { kind: "icon" as const, styleWords: ["bold line icon"], name: "cloud rain", tags: [], categories: ["weather"], aliases: [] };

  it("fill fields, add articles, and skip templates whose fields are empty", () => {
    expect(withArticle("apple")).toBe("an apple");
    expect(withArticle("UI icon")).toBe("a UI icon");
    expect(withArticle("umbrella")).toBe("an umbrella");
    expect(iconWords("outline-cloud-rain-rounded-24px")).toBe("cloud rain");
    expect(iconWords("numeric-2")).toBe("numeric");
    expect(fillTemplate("{a_style} of {a_name}", fields)).toBe("a bold line icon of a cloud rain");
    expect(fillTemplate("an icon from the {category} category: {name}", fields)).toBe("an icon from the weather category: cloud rain");
    expect(fillTemplate("{name}, {tags}", fields)).toBeNull();
    const rng = new Rng(2);
    for (let i = 0; i < 50; i++) expect(makeCaption(fields, rng)).not.toMatch(/, $|\{/);
  });
});
