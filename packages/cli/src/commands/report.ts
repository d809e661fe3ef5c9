/** `vlprompt report <run-dir>`: rewrites report.md, results.csv, results.json and report.html from results.jsonl. */
import { loadRunDirectory, reportFormats, resultTables, writeReports, type ReportFormat } from "@vlprompt/core";
import { resolve } from "node:path";
import { cliErrors } from "../errors.js";
import { ExitCode } from "../output.js";
import { renderTables } from "../tables.js";
import type { CommandContext } from "./context.js";

export function parseFormats(text: string | undefined): ReportFormat[] | undefined {
  if (text === undefined) return undefined;
  const formats = text.split(",").map((format) => format.trim()).filter(Boolean);
  const unknown = formats.filter((format) => !(reportFormats as readonly string[]).includes(format));
  if (unknown.length > 0) {
    throw cliErrors.make("VLP_CLI_USAGE", `unknown report format(s) ${unknown.join(", ")}; use ${reportFormats.join(", ")}`);
  }
  return formats as ReportFormat[];
}

export async function reportCommand(context: CommandContext, runDir: string, options: { out?: string; format?: string }): Promise<number> {
  const dir = resolve(runDir);
  const loaded = loadRunDirectory(dir);
  if (loaded.corruptLines.length > 0) context.output.warn(`ignored unreadable lines ${loaded.corruptLines.join(", ")} of results.jsonl`);
  const formats = parseFormats(options.format) ?? loaded.manifest?.reports;
  const { model, files } = await writeReports(resolve(options.out ?? dir), loaded.records, {
    ...(loaded.manifest ? { manifest: loaded.manifest } : {}),
    ...(formats ? { formats } : {}),
  });
  const tables = resultTables(model);
  context.output.say(`${renderTables(tables)}\n\nwrote ${files.join(", ")}`);
  context.output.json({
    ok: true,
    command: "report",
    runDir: dir,
    files,
    runs: model.done.length,
    failed: model.failed.length,
    tables,
    aggregates: model.aggregation.rows,
  });
  return ExitCode.ok;
}
