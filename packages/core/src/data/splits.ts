/**
 * Split rules: few-shot sampling and base/new class splits.
 */
import { Rng } from "../tensor/rng.js";
import { indicesByClass, type ClassificationDataset } from "./dataset.js";
import { dataErrors } from "./errors.js";
import { seedFor } from "./hash.js";

export const FEW_SHOT_SHOTS = [1, 2, 4, 8, 16] as const;
export const FEW_SHOT_SEEDS = [1, 2, 3] as const;

export interface FewShotOptions {
  /** Images per class (K). A class with fewer images keeps all of them. */
  readonly shots: number;
  readonly seed: number;
}

/**
 * K images per class, drawn without replacement. The draw for a class depends only on (seed, dataset name,
 * class name), so the same seed gives the same subset, and the K-shot set contains the smaller-K sets.
 */
export function fewShot(dataset: ClassificationDataset, options: FewShotOptions): ClassificationDataset {
  const { shots, seed } = options;
  if (!Number.isInteger(shots) || shots < 1) {
    throw dataErrors.make("VLP_DATA_BAD_OPTION", `few-shot shots must be a positive integer, got ${shots}`);
  }
  if (!Number.isInteger(seed)) {
    throw dataErrors.make("VLP_DATA_BAD_OPTION", `few-shot seed must be an integer, got ${seed}`);
  }
  const chosen: number[] = [];
  indicesByClass(dataset).forEach((members, label) => {
    const rng = new Rng(seedFor(seed, "few-shot", dataset.name, dataset.classNames[label]!));
    chosen.push(...rng.shuffle(members).slice(0, shots));
  });
  chosen.sort((a, b) => a - b);
  return dataset.subset(chosen);
}

export interface BaseNewSplit {
  readonly base: ClassificationDataset;
  readonly new: ClassificationDataset;
  /** Class indices (in the original dataset) of each side. */
  readonly baseClasses: readonly number[];
  readonly newClasses: readonly number[];
}

export interface BaseNewOptions {
  /**
   * "order" (default): sort classes by their canonical order (emojibase order; class index when unknown) and
   * put even positions in base, odd in new — this balances subgroups.
   * "group": the harder split: whole groups (subgroups) go to one side, balancing class counts.
   */
  readonly by?: "order" | "group";
}

/** Split the classes into base and new halves; each side is relabelled 0..k-1. */
export function baseNewSplit(dataset: ClassificationDataset, options: BaseNewOptions = {}): BaseNewSplit {
  const by = options.by ?? "order";
  const [baseClasses, newClasses] = by === "group" ? splitByGroup(dataset) : splitByOrder(dataset);
  return {
    base: dataset.selectClasses(baseClasses, `${dataset.name}/base`),
    new: dataset.selectClasses(newClasses, `${dataset.name}/new`),
    baseClasses,
    newClasses,
  };
}

function splitByOrder(dataset: ClassificationDataset): [number[], number[]] {
  const sorted = dataset.classInfo
    .map((info, c) => ({ c, order: info.order ?? c }))
    .sort((a, b) => a.order - b.order || a.c - b.c);
  const base = sorted.filter((_, position) => position % 2 === 0).map((entry) => entry.c);
  const novel = sorted.filter((_, position) => position % 2 === 1).map((entry) => entry.c);
  return [base.sort((a, b) => a - b), novel.sort((a, b) => a - b)];
}

function splitByGroup(dataset: ClassificationDataset): [number[], number[]] {
  const groups = new Map<string, number[]>();
  dataset.classInfo.forEach((info, c) => {
    const key = info.group ?? info.name;
    groups.set(key, [...(groups.get(key) ?? []), c]);
  });
  // Largest groups first, each to the side that currently has fewer classes (ties: base).
  const ordered = [...groups.entries()].sort((a, b) => b[1].length - a[1].length || a[0].localeCompare(b[0]));
  const base: number[] = [];
  const novel: number[] = [];
  for (const [, members] of ordered) (base.length <= novel.length ? base : novel).push(...members);
  return [base.sort((a, b) => a - b), novel.sort((a, b) => a - b)];
}
