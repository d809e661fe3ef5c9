/** report.md, results.csv and results.json. */
import { STD_NOTE, type ReportModel } from "./report-model.js";
import { failureTable, resultTables, timingTable, type ReportTable } from "./report-tables.js";

const escapeCell = (text: string) => text.replaceAll("|", "\\|").replaceAll("\n", " ");

export function markdownTable(table: ReportTable): string {
  const line = (cells: readonly string[]) => `| ${cells.map(escapeCell).join(" | ")} |`;
  const rule = `|${table.head.map((_, i) => (i === 0 ? " --- " : " ---: ")).join("|")}|`;
  return [`### ${table.title}`, "", line(table.head), rule, ...table.rows.map(line)].join("\n");
}

export function renderMarkdown(model: ReportModel): string {
  const parts = [`# Results: ${model.title}`, ""];
  if (model.description) parts.push(model.description, "");
  parts.push(...model.facts.map(([key, value]) => `- **${key}:** ${value}`), "");
  const tables = resultTables(model);
  if (tables.length === 0) parts.push("No finished runs yet.", "");
  for (const table of tables) parts.push(markdownTable(table), "");
  for (const table of [failureTable(model), timingTable(model)]) if (table) parts.push(markdownTable(table), "");
  parts.push("Charts: report.html. Per-run numbers: results.csv, results.json.", "");
  return parts.join("\n");
}

const csvCell = (value: unknown): string => {
  const text = value === undefined || value === null ? "" : String(value);
  return /[",\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
};

/** One row per run; accuracies are fractions in [0, 1]. */
export function renderCsv(model: ReportModel): string {
  const targets = model.aggregation.targets;
  const head = [
    "run_id", "experiment", "entry", "method", "gram", "dataset", "protocol", "shots", "seed", "status",
    "accuracy", "base_accuracy", "new_accuracy", "hm", ...targets.map((target) => `target:${target}`),
    "wall_time_s", "backend", "finished_at", "error",
  ];
  const rows = model.all.map((record) => {
    const spec = record.spec;
    const result = record.status === "done" ? record.result : undefined;
    const hm = result?.baseAccuracy !== undefined && result.newAccuracy !== undefined
      ? (2 * result.baseAccuracy * result.newAccuracy) / (result.baseAccuracy + result.newAccuracy || 1)
      : undefined;
    return [
      record.id, spec.experiment, spec.entryId, spec.method, spec.gram !== null, spec.dataset, spec.protocol.kind,
      spec.shots, spec.seed, record.status, result?.accuracy, result?.baseAccuracy, result?.newAccuracy, hm,
      ...targets.map((target) => result?.targetAccuracy?.[target]),
      result ? (result.wallTimeMs / 1000).toFixed(3) : undefined, result?.backend, record.finishedAt,
      record.status === "failed" ? record.error.message : undefined,
    ];
  });
  return [head, ...rows].map((row) => row.map(csvCell).join(",")).join("\n") + "\n";
}

/** Every run record plus the aggregates, for analysis tools. */
export function renderJson(model: ReportModel): string {
  const replacer = (_key: string, value: unknown) => (typeof value === "number" && !Number.isFinite(value) ? null : value);
  return JSON.stringify(
    {
      v: 1,
      experiment: model.title,
      generatedAt: new Date().toISOString(),
      units: "accuracies are fractions in [0, 1]",
      std: STD_NOTE,
      runs: model.all,
      aggregates: model.aggregation.rows,
      averages: model.aggregation.averages,
      gram: model.gram,
    },
    replacer,
    2,
  ) + "\n";
}
