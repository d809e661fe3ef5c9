/**
 * What every report format shows, computed once: the aggregation, the facts line, failed runs and the
 * GRAM comparisons. The formats (markdown, csv, json, html) only lay this out.
 */
import { aggregate, type AggregateRow, type Aggregation, type Stat } from "./aggregate.js";
import type { ResolvedManifest } from "./resolve.js";
import type { DoneRecord, RunRecord } from "./types.js";

export const STD_NOTE =
  "mean ± std over seeds; std is the population standard deviation (n in the denominator), as printed by CoOp's parse_test_res.py";

export interface GramComparison {
  readonly gramEntry: string;
  readonly baseEntry: string;
  /** Mean over datasets and shots of (GRAM − base), in accuracy points (fractions); HM for base-to-new. */
  readonly delta: number;
  readonly cells: number;
}

export interface ReportModel {
  readonly title: string;
  readonly description: string;
  readonly facts: readonly [string, string][];
  readonly aggregation: Aggregation;
  readonly failed: readonly Extract<RunRecord, { status: "failed" }>[];
  readonly done: readonly DoneRecord[];
  readonly all: readonly RunRecord[];
  readonly gram: readonly GramComparison[];
}

/** Accuracy fraction as a percentage with two decimals. */
export const percent = (value: number | undefined): string =>
  value === undefined || Number.isNaN(value) ? "–" : (value * 100).toFixed(2);

export const meanStd = (value: Stat | undefined): string =>
  value === undefined ? "–" : value.n > 1 ? `${percent(value.mean)} ± ${percent(value.std)}` : percent(value.mean);

/** The score one cell is compared by: HM for base-to-new, else the main accuracy. */
export const headline = (row: AggregateRow): number => row.hm ?? row.accuracy.mean;

function gramComparisons(aggregation: Aggregation): GramComparison[] {
  const comparisons: GramComparison[] = [];
  for (const gramEntry of aggregation.entries) {
    const gramRows = aggregation.rows.filter((row) => row.entryId === gramEntry && row.gram);
    if (gramRows.length === 0) continue;
    const method = gramRows[0]!.method;
    const candidates = aggregation.entries.filter((id) =>
      aggregation.rows.some((row) => row.entryId === id && !row.gram && row.method === method),
    );
    const baseEntry = candidates.includes(method) ? method : candidates[0];
    if (!baseEntry) continue;
    const deltas = gramRows.flatMap((row) => {
      const base = aggregation.rows.find((other) => other.entryId === baseEntry && other.dataset === row.dataset && other.shots === row.shots);
      return base ? [headline(row) - headline(base)] : [];
    });
    if (deltas.length > 0) {
      comparisons.push({ gramEntry, baseEntry, delta: deltas.reduce((a, b) => a + b, 0) / deltas.length, cells: deltas.length });
    }
  }
  return comparisons;
}

function describeBackbone(manifest: Pick<ResolvedManifest, "backbone"> | undefined): string {
  if (!manifest) return "unknown";
  return manifest.backbone.kind === "default" ? "default" : manifest.backbone.weights;
}

export function buildReportModel(records: readonly RunRecord[], manifest?: ResolvedManifest): ReportModel {
  const done = records.filter((record): record is DoneRecord => record.status === "done");
  const failed = records.filter((record): record is Extract<RunRecord, { status: "failed" }> => record.status === "failed");
  const aggregation = aggregate(done, manifest?.entries.map((entry) => entry.id) ?? []);
  const first = records[0]?.spec;
  const backends = [...new Set(done.map((record) => record.result.backend))];
  const seeds = [...new Set(records.map((record) => record.spec.seed))].sort((a, b) => a - b);
  const facts: [string, string][] = [
    ["Protocol", manifest?.protocol.kind ?? first?.protocol.kind ?? "unknown"],
    ["Backbone", describeBackbone(manifest ?? (first ? { backbone: first.backbone } : undefined))],
    ["Backend", backends.join(", ") || "–"],
    ["Seeds", seeds.join(", ") || "–"],
    ["Runs", `${done.length} finished, ${failed.length} failed`],
    ["Numbers", `top-1 accuracy in %, ${STD_NOTE}`],
  ];
  return {
    title: manifest?.name ?? first?.experiment ?? "vlprompt results",
    description: manifest?.description ?? "",
    facts,
    aggregation,
    failed,
    done,
    all: records,
    gram: gramComparisons(aggregation),
  };
}
