/**
 * Metrics as the prompt-tuning papers report them: top-1 accuracy (correct / total over the test set, Dassl's
 * micro accuracy), per-class accuracy, and over seeds the mean and the population standard deviation (CoOp's
 * parse_test_res.py). Base-to-new: HM = 2·B·N/(B+N) of the seed-averaged base and new accuracies, never the
 * mean of per-seed HMs. Accuracies are fractions in [0, 1].
 */
import { harmonicMean, stat, type Stat } from "../experiment/aggregate.js";

export interface ClassAccuracy {
  readonly name: string;
  readonly correct: number;
  readonly total: number;
  /** correct / total; NaN for a class with no test items. */
  readonly accuracy: number;
}

export interface AccuracyReport {
  /** Top-1 accuracy over all items. */
  readonly accuracy: number;
  readonly correct: number;
  readonly total: number;
  /** One entry per class, in class order. */
  readonly perClass: readonly ClassAccuracy[];
  /** Accuracy by class name, for classes with at least one item. */
  readonly perClassAccuracy: Readonly<Record<string, number>>;
  /** Mean of the per-class accuracies (classes with items only). */
  readonly meanPerClassAccuracy: number;
}

/** Accuracy of predicted labels against true labels (same length), per class by name. */
export function accuracyReport(predictions: ArrayLike<number>, labels: ArrayLike<number>, classNames: readonly string[]): AccuracyReport {
  if (predictions.length !== labels.length) {
    throw new RangeError(`accuracyReport: ${predictions.length} predictions for ${labels.length} labels`);
  }
  const correctByClass = new Array<number>(classNames.length).fill(0);
  const totalByClass = new Array<number>(classNames.length).fill(0);
  let correct = 0;
  for (let i = 0; i < labels.length; i++) {
    const label = labels[i]!;
    totalByClass[label]! += 1;
    if (predictions[i] === label) {
      correct += 1;
      correctByClass[label]! += 1;
    }
  }
  const perClass = classNames.map((name, c) => ({
    name,
    correct: correctByClass[c]!,
    total: totalByClass[c]!,
    accuracy: totalByClass[c]! > 0 ? correctByClass[c]! / totalByClass[c]! : Number.NaN,
  }));
  const present = perClass.filter((entry) => entry.total > 0);
  return {
    accuracy: labels.length > 0 ? correct / labels.length : Number.NaN,
    correct,
    total: labels.length,
    perClass,
    perClassAccuracy: Object.fromEntries(present.map((entry) => [entry.name, entry.accuracy])),
    meanPerClassAccuracy: present.reduce((sum, entry) => sum + entry.accuracy, 0) / present.length,
  };
}

/** What one seed of a protocol yields (a RunResult has these fields). */
export interface SeedResult {
  readonly accuracy: number;
  readonly baseAccuracy?: number;
  readonly newAccuracy?: number;
  readonly targetAccuracy?: Readonly<Record<string, number>>;
}

export interface SeedSummary {
  readonly seeds: number;
  readonly accuracy: Stat;
  readonly base?: Stat;
  readonly new?: Stat;
  /** Harmonic mean of the seed-averaged base and new accuracies. */
  readonly hm?: number;
  readonly targets: Readonly<Record<string, Stat>>;
}

/** Mean and standard deviation over seeds; base-to-new HM from the averaged base and new accuracies. */
export function summarizeSeeds(results: readonly SeedResult[]): SeedSummary {
  const isBaseToNew = results.length > 0 && results.every((r) => r.baseAccuracy !== undefined && r.newAccuracy !== undefined);
  const base = isBaseToNew ? stat(results.map((r) => r.baseAccuracy!)) : undefined;
  const novel = isBaseToNew ? stat(results.map((r) => r.newAccuracy!)) : undefined;
  const targetNames = [...new Set(results.flatMap((r) => Object.keys(r.targetAccuracy ?? {})))];
  const targets = Object.fromEntries(
    targetNames.map((name) => [name, stat(results.map((r) => r.targetAccuracy?.[name] ?? Number.NaN))]),
  );
  return {
    seeds: results.length,
    accuracy: stat(results.map((r) => r.accuracy)),
    ...(base && novel ? { base, new: novel, hm: harmonicMean(base.mean, novel.mean) } : {}),
    targets,
  };
}
