/**
 * The committed definition of a built-in dataset (packages/core/data/datasets/<name>.json): its classes,
 * the styles its images come from, and which renders (or artworks) form the train and test splits.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { committedDataDir } from "./paths.js";

export interface DatasetClass {
  readonly name: string;
  readonly order: number;
  readonly group: string;
  /** Emoji keys ("1f436") or, for icon datasets, "family:name" keys ("ph:dog"). */
  readonly keys: readonly string[];
}

export interface DatasetFile {
  readonly name: string;
  readonly title: string;
  /** The CoOp dataset it is patterned on. */
  readonly analog: string;
  readonly description: string;
  readonly kind: "emoji" | "icon" | "fashion-mnist";
  /** Source ids the images come from. */
  readonly styles: readonly string[];
  /** Styles used when a loader names none (EmojiNet: Noto only); all styles when absent. */
  readonly defaultStyles?: readonly string[];
  /** Render seeds of each split (every artwork is drawn once per render seed). */
  readonly renders: { readonly train: readonly number[]; readonly test: readonly number[] };
  /** Artwork-level split: these "style/key" artworks form the test split, all others the train split. */
  readonly testArtworks?: readonly string[];
  readonly classes: readonly DatasetClass[];
  readonly license: string;
}

export const BUILTIN_DATASET_NAMES = [
  "emojinet", "emoobjects", "emopets", "emovehicles", "emoflora", "emofood", "emofaces", "emoactions", "emoflags",
  "iconnet", "fashionmnist",
] as const;

export type BuiltinDatasetName = (typeof BUILTIN_DATASET_NAMES)[number];

const cache = new Map<string, DatasetFile>();

export function readDatasetFile(name: string, dir = join(committedDataDir(), "datasets")): DatasetFile {
  const path = join(dir, `${name}.json`);
  const known = cache.get(path);
  if (known) return known;
  const file = JSON.parse(readFileSync(path, "utf8")) as DatasetFile;
  cache.set(path, file);
  return file;
}
