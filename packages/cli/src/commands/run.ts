/**
 * `vlprompt run <manifest>`: validates, expands the grid, runs what is not finished yet (or everything with
 * --force), shows progress, writes the reports and prints the comparison table.
 */
import { experimentErrors, metaTrainManifest, pendingWork, resultTables, runManifest, writeReports, type RunSummary } from "@vlprompt/core";
import { ExitCode } from "../output.js";
import { RunProgressView } from "../progress.js";
import { renderTables } from "../tables.js";
import { engineOf, loadManifestFor, type CommandContext } from "./context.js";

export interface RunOptions {
  readonly force?: boolean;
  readonly dryRun?: boolean;
  readonly failFast?: boolean;
  readonly out?: string;
}

function outcomeCode(summary: Pick<RunSummary, "interrupted"> & { failed: readonly unknown[] }): number {
  if (summary.interrupted) return ExitCode.interrupted;
  return summary.failed.length > 0 ? ExitCode.failure : ExitCode.ok;
}

function summaryJson(summary: RunSummary) {
  return {
    outDir: summary.outDir,
    planned: summary.planned,
    skipped: summary.skipped,
    completed: summary.completed,
    interrupted: summary.interrupted,
    failed: summary.failed.map(({ spec, error }) => ({ id: spec.id, entry: spec.entryId, dataset: spec.dataset, shots: spec.shots, seed: spec.seed, error: error.message })),
  };
}

/** `run --dry-run`: what a run would do now, one line per meta-training job and run; nothing runs. */
async function dryRunCommand(context: CommandContext, loaded: Awaited<ReturnType<typeof loadManifestFor>>, options: RunOptions): Promise<number> {
  const summary = await pendingWork(loaded.resolved, { force: options.force ?? false });
  if (summary.corruptLines.length > 0) context.output.warn(`ignored unreadable lines ${summary.corruptLines.join(", ")} of results.jsonl`);
  const planned = summary.plan.runs.length;
  const lines = [
    `${planned} runs planned, ${summary.skipped} already finished, ${summary.toRun.length} to run, ${summary.metaToRun.length} meta-training job(s) first (dry run: nothing was run)`,
    ...summary.metaToRun.map((job) => `  meta-train ${job.method} (used by ${job.usedBy.join(", ")})`),
    ...summary.toRun.map((spec) => `  ${spec.entryId} ${spec.dataset} ${spec.shots}-shot seed ${spec.seed}`),
  ];
  context.output.say(lines.join("\n"));
  context.output.json({
    ok: true,
    command: "run",
    dryRun: true,
    exitCode: ExitCode.ok,
    outDir: summary.outDir,
    planned,
    skipped: summary.skipped,
    metaToRun: summary.metaToRun.map((job) => ({ id: job.id, method: job.method, usedBy: job.usedBy })),
    toRun: summary.toRun.map((spec) => ({ id: spec.id, entry: spec.entryId, dataset: spec.dataset, shots: spec.shots, seed: spec.seed })),
  });
  return ExitCode.ok;
}

export async function runCommand(context: CommandContext, path: string, options: RunOptions): Promise<number> {
  const loaded = await loadManifestFor(context, path, options.out);
  if (options.dryRun) return dryRunCommand(context, loaded, options);
  const engine = engineOf(context);
  if (!engine.executeRun) {
    throw experimentErrors.make("VLP_RUN_ENGINE_NOT_WIRED", `cannot run ${path}: this build of vlprompt has no training engine wired in`);
  }
  const view = new RunProgressView(context.output);
  let summary: RunSummary;
  try {
    summary = await runManifest(loaded.resolved, {
      executeRun: engine.executeRun,
      ...(engine.executeMetaTraining ? { executeMetaTraining: engine.executeMetaTraining } : {}),
      force: options.force ?? false,
      failFast: options.failFast ?? false,
      onEvent: view.onEvent,
      signal: context.signal,
    });
  } finally {
    view.stop();
  }
  const { model, files } = await writeReports(summary.outDir, summary.records, { manifest: loaded.resolved, formats: loaded.resolved.reports });
  const tables = resultTables(model);
  const state = summary.interrupted ? "interrupted (finished runs are saved; run again to continue)" : `${summary.failed.length} failed`;
  context.output.say(`\n${renderTables(tables)}\n\n${summary.completed} run(s) done now, ${summary.skipped} earlier, ${state}\nreports: ${files.join(", ")}`);
  for (const { spec, error } of summary.failed) context.output.warn(`${spec.entryId} ${spec.dataset} ${spec.shots}-shot seed ${spec.seed} failed: ${error.message.split("\n")[0]}`);
  const code = outcomeCode(summary);
  context.output.json({ ok: code === ExitCode.ok, command: "run", exitCode: code, ...summaryJson(summary), reports: files, tables });
  return code;
}

export async function metaTrainCommand(context: CommandContext, path: string, options: RunOptions): Promise<number> {
  const loaded = await loadManifestFor(context, path, options.out);
  const engine = engineOf(context);
  if (!engine.executeMetaTraining) {
    throw experimentErrors.make("VLP_RUN_META_NOT_WIRED", `cannot meta-train for ${path}: no GRAM meta-trainer is wired in`);
  }
  const view = new RunProgressView(context.output);
  const summary = await metaTrainManifest(loaded.resolved, {
    executeMetaTraining: engine.executeMetaTraining,
    force: options.force ?? false,
    onEvent: view.onEvent,
    signal: context.signal,
  });
  view.stop();
  context.output.say(`${summary.planned} meta-training job(s): ${summary.trained} trained, ${summary.reused} reused, ${summary.failed.length} failed`);
  const code = outcomeCode(summary);
  context.output.json({
    ok: code === ExitCode.ok,
    command: "meta-train",
    exitCode: code,
    ...summary,
    failed: summary.failed.map(({ job, error }) => ({ id: job.id, method: job.method, error: error.message })),
  });
  return code;
}
