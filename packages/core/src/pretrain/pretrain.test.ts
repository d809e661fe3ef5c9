import * as tf from "@tensorflow/tfjs";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { initBackend } from "../backend/select.js";
import type { ClipConfig } from "../clip/config.js";
import { ClipModel } from "../clip/model.js";
import { WordTokenizer } from "../clip/tokenizer.js";
import type { RgbImage } from "../data/image.js";
import { Rng } from "../tensor/rng.js";
import { pairSampler, pretrainClip, saveClipWeights, type PretrainCorpus } from "./pretrain.js";
import { toGrey } from "../data/resample.js";
import { captionVocabulary } from "./default-backbone.js";
import { corpusHash, emojiWeights } from "./run-default.js";
import { loadFixtureCorpus } from "../data/fixture.js";

const config: ClipConfig = {
  embedDim: 16, imageResolution: 16, visionLayers: 1, visionWidth: 32, visionHeads: 2, visionPatchSize: 8,
  contextLength: 6, vocabSize: 16, textWidth: 32, textHeads: 2, textLayers: 1,
};

const colours: [string, [number, number, number]][] = [
  ["red", [230, 20, 20]], ["green", [20, 200, 40]], ["blue", [20, 40, 230]], ["yellow", [240, 230, 20]],
  ["black", [10, 10, 10]], ["white", [250, 250, 250]],
];

/** Six solid-colour pictures, each captioned with its colour word. */
const corpus: PretrainCorpus = {
  size: colours.length,
  image: (i): RgbImage => {
    const data = new Uint8Array(16 * 16 * 3);
    for (let p = 0; p < 256; p++) data.set(colours[i]![1], p * 3);
    return { width: 16, height: 16, data };
  },
  caption: (i) => `a ${colours[i]![0]} picture`,
};

const tokenizer = WordTokenizer.fromWords(["a", "picture", ...colours.map(([name]) => name)]);

describe("CLIP pretraining", () => {
  beforeAll(() => initBackend({ backend: "cpu", log: () => {} }));

  it("the contrastive loss falls", async () => {
    const result = await pretrainClip({ config: { ...config, vocabSize: tokenizer.vocabSize }, tokenizer, corpus, steps: 40, batchSize: 6, lr: 3e-3, warmupSteps: 4, seed: 1, cropScale: null });
    const first = result.losses.slice(0, 5).reduce((a, b) => a + b) / 5;
    const last = result.losses.slice(-5).reduce((a, b) => a + b) / 5;
    expect(last).toBeLessThan(first * 0.6);
    tf.dispose(Object.values(result.weights));
  });

  it("resumes from its checkpoint at the same step with the same losses, and exports loadable weights", async () => {
    const dir = mkdtempSync(join(tmpdir(), "vlp-pretrain-"));
    const base = { config: { ...config, vocabSize: tokenizer.vocabSize }, tokenizer, corpus, batchSize: 4, lr: 1e-3, warmupSteps: 2, seed: 3 };
    const straight = await pretrainClip({ ...base, steps: 12 });
    const firstLeg = await pretrainClip({ ...base, steps: 12, checkpointDir: dir, checkpointEvery: 4, onProgress: (p) => { if (p.step === 8) throw new Error("interrupted"); } }).catch((e) => e);
    expect(String(firstLeg)).toContain("interrupted");
    const resumed = await pretrainClip({ ...base, steps: 12, checkpointDir: dir, checkpointEvery: 4 });
    expect(resumed.resumedFrom).toBe(4);
    expect(resumed.losses).toEqual(straight.losses);
    await saveClipWeights(join(dir, "model.safetensors"), resumed.weights, base.config, "F16");
    const model = await ClipModel.load(join(dir, "model.safetensors"));
    expect(model.config).toEqual(base.config);
    model.dispose();
    tf.dispose([...Object.values(straight.weights), ...Object.values(resumed.weights)]);
  });

  it("draws pairs by their sampling weights, and rejects weights that cannot be drawn from", () => {
    const draw = pairSampler(4, [1, 0, 3, 0]);
    const rng = new Rng(7);
    const counts = [0, 0, 0, 0];
    for (let k = 0; k < 8000; k++) counts[draw(rng)]! += 1;
    expect(counts[1]).toBe(0);
    expect(counts[3]).toBe(0);
    expect(counts[2]! / 8000).toBeGreaterThan(0.72);
    expect(counts[2]! / 8000).toBeLessThan(0.78);
    expect(() => pairSampler(3, [1, 2])).toThrow(/VLP_PRETRAIN_OPTION[\s\S]*3 non-negative numbers[\s\S]*got 2/);
    expect(() => pairSampler(2, [0, 0])).toThrow(/all zero/);
    expect(() => pairSampler(2, [1, Number.NaN])).toThrow(/negative or NaN/);
  });

  it("weights emoji pairs to the requested share of the draws", () => {
    const concepts = ["emoji:1f436", "ph:dog", "mdi:cat", "ph:car", "emoji:1f431"];
    const fake = { size: concepts.length, concept: (i: number) => concepts[i] } as Parameters<typeof emojiWeights>[0];
    const weights = emojiWeights(fake, 0.6);
    expect(weights[0]! + weights[4]!).toBeCloseTo(0.6, 12);
    expect(weights[1]! + weights[2]! + weights[3]!).toBeCloseTo(0.4, 12);
    expect(weights[1]).toBeCloseTo(weights[3]!, 12);
    expect(() => emojiWeights(fake, 1)).toThrow(/emojiShare must be in \(0, 1\)[\s\S]*got 1/);
  });

  it("shows a pair as a seeded scene with probability sceneProbability, the same way on every run", async () => {
    const seen: string[] = [];
    const withScenes: PretrainCorpus = {
      ...corpus,
      image: (i) => (seen.push(`image ${i}`), corpus.image(i) as RgbImage),
      scene: (i, seed) => (seen.push(`scene ${i} ${seed}`), corpus.image(i) as RgbImage),
    };
    const run = async (sceneProbability: number) => {
      seen.length = 0;
      const result = await pretrainClip({ config: { ...config, vocabSize: tokenizer.vocabSize }, tokenizer, corpus: withScenes, steps: 3, batchSize: 6, seed: 2, sceneProbability });
      tf.dispose(Object.values(result.weights));
      return [...seen];
    };
    expect((await run(0)).every((call) => call.startsWith("image"))).toBe(true);
    expect((await run(1)).every((call) => call.startsWith("scene"))).toBe(true);
    const half = await run(0.5);
    expect(half.filter((call) => call.startsWith("scene")).length).toBeGreaterThan(2);
    expect(half.filter((call) => call.startsWith("image")).length).toBeGreaterThan(2);
    expect(await run(0.5)).toEqual(half);
    await expect(run(1.5)).rejects.toThrow(/sceneProbability must be in \[0, 1\], got 1.5/);
  });

  it("turns drawn images grey with probability greyProbability, checked before any tensor is made", async () => {
    const colour: RgbImage = { width: 1, height: 2, data: Uint8Array.from([255, 0, 0, 10, 200, 30]) };
    expect(Array.from(toGrey(colour).data)).toEqual([76, 76, 76, 124, 124, 124]); // 0.299*255; 2.99+117.4+3.42
    expect(Array.from(colour.data)).toEqual([255, 0, 0, 10, 200, 30]); // a new image
    const run = async (greyProbability: number) => {
      const result = await pretrainClip({ config: { ...config, vocabSize: tokenizer.vocabSize }, tokenizer, corpus, steps: 2, batchSize: 6, seed: 2, greyProbability });
      tf.dispose(Object.values(result.weights));
      return result.losses;
    };
    const grey = await run(1);
    expect(grey).not.toEqual(await run(0));
    expect(await run(1)).toEqual(grey);
    const before = tf.memory().numTensors;
    await expect(run(-0.1)).rejects.toThrow(/greyProbability must be in \[0, 1\], got -0.1/);
    expect(tf.memory().numTensors).toBe(before);
  });

  it("builds its vocabulary from every caption word seen minCount times, the canonical captions included", () => {
    const captions = ["a red dog", "a red cat", "a blue owl"];
    const random = ["a red photo", "an owl", "a dog"];
    const toy = { size: 3, caption: (i: number, rng?: Rng) => (rng ? random[rng.int(3)]! : captions[i]!) };
    const words = captionVocabulary(toy, { samplesPerItem: 0, minCount: 1 });
    expect(words.slice(0, 2)).toEqual(["a", "red"]); // most frequent first, then by spelling
    expect(new Set(words)).toEqual(new Set(["a", "red", "dog", "cat", "blue", "owl"]));
    expect(captionVocabulary(toy, { samplesPerItem: 0, minCount: 2 })).toEqual(["a", "red"]);
    expect(captionVocabulary(toy, { samplesPerItem: 0, minCount: 1, maxWords: 3 })).toEqual(["a", "red", "blue"]);
    const sampled = captionVocabulary(toy, { samplesPerItem: 4, minCount: 2, seed: 1 });
    expect(sampled).toContain("a");
    expect(sampled).toEqual(captionVocabulary(toy, { samplesPerItem: 4, minCount: 2, seed: 1 })); // seeded
  });

  it("hashes a corpus by its pairs: the same pairs give the same hash, others another", () => {
    const fixture = loadFixtureCorpus();
    const all = Array.from({ length: fixture.size }, (_, i) => i);
    expect(corpusHash(fixture)).toMatch(/^[0-9a-f]{64}$/);
    expect(corpusHash(fixture.subset(all))).toBe(corpusHash(fixture));
    expect(corpusHash(fixture.subset(all.slice(1)))).not.toBe(corpusHash(fixture));
    expect(corpusHash(fixture.subset([1, 0, ...all.slice(2)]))).not.toBe(corpusHash(fixture));
  });
});
