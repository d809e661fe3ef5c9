/** Writes the reports of a run directory: report.md, results.csv, results.json, report.html. */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { renderHtml } from "./report-html.js";
import { buildReportModel, type ReportModel } from "./report-model.js";
import { renderCsv, renderJson, renderMarkdown } from "./report-text.js";
import type { ResolvedManifest } from "./resolve.js";
import { EXPERIMENT_FILE } from "./runner.js";
import { readResults, writeFileAtomic } from "./store.js";
import { reportFormats, type ReportFormat } from "./schema.js";
import type { RunRecord } from "./types.js";

export const reportFiles: Readonly<Record<ReportFormat, string>> = {
  md: "report.md",
  csv: "results.csv",
  json: "results.json",
  html: "report.html",
};

const renderers: Readonly<Record<ReportFormat, (model: ReportModel) => string>> = {
  md: renderMarkdown,
  csv: renderCsv,
  json: renderJson,
  html: renderHtml,
};

export interface RunDirectory {
  readonly records: RunRecord[];
  readonly corruptLines: number[];
  /** The resolved manifest saved by `runManifest`, when present. */
  readonly manifest?: ResolvedManifest;
}

/** Reads results.jsonl and experiment.json of a run directory. */
export function loadRunDirectory(dir: string): RunDirectory {
  const { records, corruptLines } = readResults(dir);
  const snapshotPath = join(dir, EXPERIMENT_FILE);
  let manifest: ResolvedManifest | undefined;
  if (existsSync(snapshotPath)) {
    try {
      const snapshot = JSON.parse(readFileSync(snapshotPath, "utf8")) as { manifest?: ResolvedManifest };
      manifest = snapshot.manifest;
    } catch {
      manifest = undefined; // The reports still work from the records alone.
    }
  }
  return { records, corruptLines, ...(manifest ? { manifest } : {}) };
}

/** Writes the chosen report formats into `outDir`; returns the paths written. */
export async function writeReports(
  outDir: string,
  records: readonly RunRecord[],
  options: { manifest?: ResolvedManifest; formats?: readonly ReportFormat[] } = {},
): Promise<{ model: ReportModel; files: string[] }> {
  const model = buildReportModel(records, options.manifest);
  const files: string[] = [];
  for (const format of options.formats ?? reportFormats) {
    const path = join(outDir, reportFiles[format]);
    await writeFileAtomic(path, renderers[format](model));
    files.push(path);
  }
  return { model, files };
}
