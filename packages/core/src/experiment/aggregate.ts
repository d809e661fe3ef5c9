/**
 * Aggregation over seeds, as the prompt-tuning papers report it.
 *
 * - Mean and standard deviation over seeds. `std` is the population standard deviation (divide by n),
 *   which is what CoOp's `parse_test_res.py` prints (`np.std`, ddof 0), so our numbers compare with the
 *   published "mean +- std" tables; `sampleStd` (divide by n - 1) is kept beside it for analysis tools.
 * - Base-to-new: HM = 2·B·N/(B+N) from the seed-averaged base and new accuracies (never the mean of
 *   per-seed HMs). The average over datasets averages B and N first and takes the HM of those averages.
 */
import type { ProtocolKind } from "./schema.js";
import type { CurvePoint, DoneRecord } from "./types.js";

export interface Stat {
  readonly mean: number;
  /** Population standard deviation (n in the denominator), as CoOp's tooling reports. */
  readonly std: number;
  /** Sample standard deviation (n - 1); null with a single value. */
  readonly sampleStd: number | null;
  readonly n: number;
  readonly values: readonly number[];
}

export function stat(values: readonly number[]): Stat {
  const n = values.length;
  const mean = n === 0 ? Number.NaN : values.reduce((sum, value) => sum + value, 0) / n;
  const squares = values.reduce((sum, value) => sum + (value - mean) ** 2, 0);
  return {
    mean,
    std: n === 0 ? Number.NaN : Math.sqrt(squares / n),
    sampleStd: n < 2 ? null : Math.sqrt(squares / (n - 1)),
    n,
    values: [...values],
  };
}

export function harmonicMean(base: number, novel: number): number {
  return base + novel === 0 ? 0 : (2 * base * novel) / (base + novel);
}

/** One method entry on one dataset at one shot count, over its seeds. */
export interface AggregateRow {
  readonly entryId: string;
  readonly method: string;
  readonly gram: boolean;
  readonly dataset: string;
  readonly protocol: ProtocolKind;
  readonly shots: number;
  readonly seeds: readonly number[];
  readonly accuracy: Stat;
  readonly base?: Stat;
  readonly new?: Stat;
  /** From the seed-averaged base and new accuracies. */
  readonly hm?: number;
  readonly targets: Readonly<Record<string, Stat>>;
  readonly wallTimeMs: Stat;
  /** Mean training loss per epoch over the seeds that reached that epoch. */
  readonly curve: readonly CurvePoint[];
  readonly backends: readonly string[];
}

/** One method entry at one shot count, averaged over datasets. */
export interface AverageRow {
  readonly entryId: string;
  readonly shots: number;
  readonly datasets: number;
  readonly accuracy: number;
  readonly base?: number;
  readonly new?: number;
  readonly hm?: number;
  readonly targets: Readonly<Record<string, number>>;
}

export interface Aggregation {
  readonly rows: readonly AggregateRow[];
  readonly averages: readonly AverageRow[];
  readonly entries: readonly string[];
  readonly datasets: readonly string[];
  readonly shots: readonly number[];
  readonly targets: readonly string[];
  readonly protocol: ProtocolKind | undefined;
}

const unique = <T>(values: readonly T[]): T[] => [...new Set(values)];
const mean = (values: readonly number[]) => values.reduce((sum, value) => sum + value, 0) / values.length;

function meanCurve(curves: readonly (readonly CurvePoint[])[]): CurvePoint[] {
  const byEpoch = new Map<number, number[]>();
  for (const curve of curves) for (const point of curve) byEpoch.set(point.epoch, [...(byEpoch.get(point.epoch) ?? []), point.loss]);
  return [...byEpoch.entries()].sort(([a], [b]) => a - b).map(([epoch, losses]) => ({ epoch, loss: mean(losses) }));
}

function rowOf(records: readonly DoneRecord[]): AggregateRow {
  const first = records[0]!.spec;
  const results = records.map((record) => record.result);
  const isBaseToNew = first.protocol.kind === "base-to-new";
  const base = isBaseToNew ? stat(results.map((result) => result.baseAccuracy ?? Number.NaN)) : undefined;
  const novel = isBaseToNew ? stat(results.map((result) => result.newAccuracy ?? Number.NaN)) : undefined;
  const targets: Record<string, Stat> = {};
  for (const target of first.protocol.targets) {
    targets[target] = stat(results.map((result) => result.targetAccuracy?.[target] ?? Number.NaN));
  }
  return {
    entryId: first.entryId,
    method: first.method,
    gram: first.gram !== null,
    dataset: first.dataset,
    protocol: first.protocol.kind,
    shots: first.shots,
    seeds: records.map((record) => record.spec.seed).sort((a, b) => a - b),
    accuracy: stat(results.map((result) => result.accuracy)),
    ...(base && novel ? { base, new: novel, hm: harmonicMean(base.mean, novel.mean) } : {}),
    targets,
    wallTimeMs: stat(results.map((result) => result.wallTimeMs)),
    curve: meanCurve(results.map((result) => result.curve)),
    backends: unique(results.map((result) => result.backend)),
  };
}

function averageOf(rows: readonly AggregateRow[]): AverageRow {
  const first = rows[0]!;
  const targets: Record<string, number> = {};
  for (const target of Object.keys(first.targets)) targets[target] = mean(rows.map((row) => row.targets[target]?.mean ?? Number.NaN));
  const base = first.base ? mean(rows.map((row) => row.base?.mean ?? Number.NaN)) : undefined;
  const novel = first.new ? mean(rows.map((row) => row.new?.mean ?? Number.NaN)) : undefined;
  return {
    entryId: first.entryId,
    shots: first.shots,
    datasets: rows.length,
    accuracy: mean(rows.map((row) => row.accuracy.mean)),
    ...(base !== undefined && novel !== undefined ? { base, new: novel, hm: harmonicMean(base, novel) } : {}),
    targets,
  };
}

/** Groups finished runs by (entry, dataset, shots) and aggregates over seeds; `entryOrder` orders rows. */
export function aggregate(records: readonly DoneRecord[], entryOrder: readonly string[] = []): Aggregation {
  const entries = unique([...entryOrder.filter((id) => records.some((r) => r.spec.entryId === id)), ...records.map((r) => r.spec.entryId)]);
  const datasets = unique(records.map((record) => record.spec.dataset));
  const shots = unique(records.map((record) => record.spec.shots)).sort((a, b) => a - b);
  const groups = new Map<string, DoneRecord[]>();
  for (const record of records) {
    const key = JSON.stringify([record.spec.entryId, record.spec.dataset, record.spec.shots]);
    groups.set(key, [...(groups.get(key) ?? []), record]);
  }
  const rows: AggregateRow[] = [];
  for (const entry of entries) for (const dataset of datasets) for (const shot of shots) {
    const group = groups.get(JSON.stringify([entry, dataset, shot]));
    if (group) rows.push(rowOf(group));
  }
  const averages: AverageRow[] = [];
  for (const entry of entries) for (const shot of shots) {
    const group = rows.filter((row) => row.entryId === entry && row.shots === shot);
    if (group.length > 0) averages.push(averageOf(group));
  }
  return {
    rows,
    averages,
    entries,
    datasets,
    shots,
    targets: unique(records.flatMap((record) => record.spec.protocol.targets)),
    protocol: records[0]?.spec.protocol.kind,
  };
}
