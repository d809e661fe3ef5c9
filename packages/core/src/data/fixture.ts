/**
 * The small committed fixture (packages/core/fixtures/data), usable by every test without building the
 * cache: 12 emoji classes in the 6 benchmark styles, 6 icon classes in 5 icon styles, 70 Fashion-MNIST
 * images, and a small corpus, all at 32 px (Fashion-MNIST 28 px).
 */
import { join } from "node:path";
import { openDataset, type Split } from "./builtin.js";
import { readEmojiTextFile, corpusFromStore, type ImageTextCorpus } from "./corpus.js";
import type { ClassificationDataset } from "./dataset.js";
import { readDatasetFile } from "./dataset-files.js";
import { fixtureDir } from "./paths.js";
import { ImageStore } from "./store.js";

export type FixtureKind = "emoji" | "icons" | "fashion";

let store: ImageStore | undefined;

function fixtureStore(): ImageStore {
  store ??= new ImageStore(join(fixtureDir(), "images"));
  return store;
}

export interface FixtureDatasetOptions {
  readonly split?: Split;
  readonly style?: string | readonly string[];
  /** emoji (default): 12 classes x 6 styles; icons: 6 classes x 5 styles; fashion: 10 classes, 50 train / 20 test. */
  readonly kind?: FixtureKind;
}

/** A small real dataset. Emoji: 12 classes, 6 styles, 4 train / 2 test renders per artwork (288 / 144 images). */
export function loadFixtureDataset(options: FixtureDatasetOptions = {}): ClassificationDataset {
  const file = readDatasetFile(`fixture-${options.kind ?? "emoji"}`, join(fixtureDir(), "datasets"));
  return openDataset(file, fixtureStore(), { split: options.split ?? "train", style: options.style });
}

/** A small image-text corpus over the fixture images, with the benchmark-exclusion rule applied. */
export function loadFixtureCorpus(): ImageTextCorpus {
  const datasets = ["emoji", "icons"].map((kind) => readDatasetFile(`fixture-${kind}`, join(fixtureDir(), "datasets")));
  const emoji = readEmojiTextFile(join(fixtureDir(), "text", "emoji.json"));
  return corpusFromStore("fixture-corpus", fixtureStore(), emoji, datasets);
}
