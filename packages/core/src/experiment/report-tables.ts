/**
 * The comparison tables, as plain rows of text: report.md, report.html and the CLI's closing table all
 * render these, so the three always agree.
 */
import type { AggregateRow, AverageRow } from "./aggregate.js";
import { meanStd, percent, type ReportModel } from "./report-model.js";

export interface ReportTable {
  readonly title: string;
  readonly head: readonly string[];
  readonly rows: readonly (readonly string[])[];
}

const shotLabel = (shots: number) => `${shots} shot${shots === 1 ? "" : "s"}`;

function find(model: ReportModel, entry: string, dataset: string, shots: number): AggregateRow | undefined {
  return model.aggregation.rows.find((row) => row.entryId === entry && row.dataset === dataset && row.shots === shots);
}

function averageRow(model: ReportModel, entry: string, shots: number): AverageRow | undefined {
  return model.aggregation.averages.find((row) => row.entryId === entry && row.shots === shots);
}

function fewShotTables(model: ReportModel): ReportTable[] {
  const { entries, datasets, shots } = model.aggregation;
  const head = ["Method", ...shots.map(shotLabel)];
  const tables = datasets.map((dataset) => ({
    title: `${dataset}: accuracy (%)`,
    head,
    rows: entries.map((entry) => [entry, ...shots.map((shot) => meanStd(find(model, entry, dataset, shot)?.accuracy))]),
  }));
  if (datasets.length > 1) {
    tables.push({
      title: `Average over ${datasets.length} datasets: accuracy (%)`,
      head,
      rows: entries.map((entry) => [entry, ...shots.map((shot) => percent(averageRow(model, entry, shot)?.accuracy))]),
    });
  }
  return tables;
}

function baseToNewTables(model: ReportModel): ReportTable[] {
  const { entries, datasets, shots } = model.aggregation;
  const head = ["Method", "Base", "New", "HM"];
  const tables: ReportTable[] = [];
  for (const shot of shots) {
    for (const dataset of datasets) {
      tables.push({
        title: `${dataset}, ${shotLabel(shot)}: base-to-new accuracy (%)`,
        head,
        rows: entries.map((entry) => {
          const row = find(model, entry, dataset, shot);
          return [entry, meanStd(row?.base), meanStd(row?.new), percent(row?.hm)];
        }),
      });
    }
    if (datasets.length > 1) {
      tables.push({
        title: `Average over ${datasets.length} datasets, ${shotLabel(shot)} (HM of the averaged base and new)`,
        head,
        rows: entries.map((entry) => {
          const row = averageRow(model, entry, shot);
          return [entry, percent(row?.base), percent(row?.new), percent(row?.hm)];
        }),
      });
    }
  }
  return tables;
}

function transferTables(model: ReportModel): ReportTable[] {
  const { entries, datasets, shots, targets } = model.aggregation;
  const kind = model.aggregation.protocol === "cross-domain" ? "cross-domain" : "cross-dataset";
  const tables: ReportTable[] = [];
  for (const shot of shots) {
    for (const dataset of datasets) {
      tables.push({
        title: `${kind} from ${dataset}, ${shotLabel(shot)}: accuracy (%)`,
        head: ["Method", `${dataset} (source)`, ...targets, "Target average"],
        rows: entries.map((entry) => {
          const row = find(model, entry, dataset, shot);
          const means = targets.map((target) => row?.targets[target]?.mean ?? Number.NaN);
          const average = means.length > 0 && row ? means.reduce((a, b) => a + b, 0) / means.length : undefined;
          return [entry, meanStd(row?.accuracy), ...targets.map((target) => meanStd(row?.targets[target])), percent(average)];
        }),
      });
    }
  }
  return tables;
}

function gramTable(model: ReportModel): ReportTable[] {
  if (model.gram.length === 0) return [];
  const measure = model.aggregation.protocol === "base-to-new" ? "HM" : "accuracy";
  return [
    {
      title: `GRAM effect: mean change in ${measure} (points) over datasets and shots`,
      head: ["GRAM entry", "Compared with", "Change", "Cells"],
      rows: model.gram.map((gram) => [
        gram.gramEntry,
        gram.baseEntry,
        `${gram.delta >= 0 ? "+" : ""}${(gram.delta * 100).toFixed(2)}`,
        String(gram.cells),
      ]),
    },
  ];
}

/** Every comparison table of the report, in reading order. */
export function resultTables(model: ReportModel): ReportTable[] {
  switch (model.aggregation.protocol) {
    case undefined:
      return [];
    case "few-shot":
      return [...fewShotTables(model), ...gramTable(model)];
    case "base-to-new":
      return [...baseToNewTables(model), ...gramTable(model)];
    default:
      return [...transferTables(model), ...gramTable(model)];
  }
}

/** Failed runs, one row each. */
export function failureTable(model: ReportModel): ReportTable | undefined {
  if (model.failed.length === 0) return undefined;
  return {
    title: "Failed runs",
    head: ["Method", "Dataset", "Shots", "Seed", "Error"],
    rows: model.failed.map((record) => [
      record.spec.entryId,
      record.spec.dataset,
      String(record.spec.shots),
      String(record.spec.seed),
      `${record.error.code ? `[${record.error.code}] ` : ""}${record.error.message.split("\n")[0]}`,
    ]),
  };
}

/** Time spent per method entry. */
export function timingTable(model: ReportModel): ReportTable | undefined {
  if (model.done.length === 0) return undefined;
  return {
    title: "Training time",
    head: ["Method", "Runs", "Mean per run (s)", "Total (s)"],
    rows: model.aggregation.entries.map((entry) => {
      const times = model.done.filter((record) => record.spec.entryId === entry).map((record) => record.result.wallTimeMs / 1000);
      const total = times.reduce((a, b) => a + b, 0);
      return [entry, String(times.length), (total / times.length).toFixed(1), total.toFixed(1)];
    }),
  };
}
