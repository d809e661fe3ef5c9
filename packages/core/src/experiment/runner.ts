/**
 * Runs a manifest's grid: plans it, skips runs the store has finished (unless `force`), produces each
 * needed meta-checkpoint once, executes the remaining runs one at a time through the injected executor and
 * stores each result as soon as it is known. A failing run is recorded and the grid goes on (unless
 * `failFast`); an interrupt stops after the run in progress, which is the most a crash can lose.
 */
import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import { isVlpromptError } from "../errors.js";
import { experimentErrors } from "./errors.js";
import { planManifest, type Plan } from "./plan.js";
import type { ResolvedManifest } from "./resolve.js";
import { ResultsStore, writeFileAtomic } from "./store.js";
import type {
  ExecutionContext,
  MetaJobSpec,
  MetaTrainExecutor,
  RunExecutor,
  RunProgress,
  RunRecord,
  RunResult,
  RunSpec,
} from "./types.js";

export type RunEvent =
  | { readonly type: "plan"; readonly plan: Plan; readonly toRun: readonly RunSpec[]; readonly skipped: number; readonly metaToRun: number }
  | { readonly type: "meta-start"; readonly job: MetaJobSpec; readonly index: number; readonly total: number }
  | { readonly type: "meta-progress"; readonly job: MetaJobSpec; readonly progress: RunProgress }
  | { readonly type: "meta-done"; readonly job: MetaJobSpec; readonly wallTimeMs: number }
  | { readonly type: "meta-failed"; readonly job: MetaJobSpec; readonly error: Error }
  | { readonly type: "run-start"; readonly spec: RunSpec; readonly index: number; readonly total: number }
  | { readonly type: "run-progress"; readonly spec: RunSpec; readonly progress: RunProgress }
  | { readonly type: "run-done"; readonly spec: RunSpec; readonly result: RunResult }
  | { readonly type: "run-failed"; readonly spec: RunSpec; readonly error: Error }
  | { readonly type: "warning"; readonly message: string };

export interface RunManifestOptions {
  readonly executeRun: RunExecutor;
  /** Needed only when a GRAM entry has no `metaCheckpoint` and its checkpoint is not stored yet. */
  readonly executeMetaTraining?: MetaTrainExecutor;
  /** Overrides the manifest's output directory. */
  readonly outDir?: string;
  /** Redo runs (and meta-training jobs) that are already finished. */
  readonly force?: boolean;
  /** Stop at the first failed run instead of going on with the rest of the grid. */
  readonly failFast?: boolean;
  readonly onEvent?: (event: RunEvent) => void;
  readonly signal?: AbortSignal;
}

export interface RunSummary {
  readonly outDir: string;
  readonly planned: number;
  readonly skipped: number;
  readonly completed: number;
  readonly failed: readonly { readonly spec: RunSpec; readonly error: Error }[];
  readonly interrupted: boolean;
  /** The stored record of every planned run that has one (finished now or before). */
  readonly records: readonly RunRecord[];
  /** The runs and meta-training jobs this call set out to do (all of them unfinished, or every one with `force`). */
  readonly toRun: readonly RunSpec[];
  readonly metaToRun: readonly MetaJobSpec[];
}

const errorInfo = (error: Error) => ({
  ...(isVlpromptError(error) ? { code: error.code } : {}),
  message: error.message,
});

const asError = (value: unknown) => (value instanceof Error ? value : new Error(String(value)));

/** A WebAssembly trap or an Emscripten abort: the wasm backend's instance is dead for the rest of the process. */
export function isBackendAbort(error: Error): boolean {
  return error.name === "RuntimeError" || /^Aborted\(/.test(error.message); // WebAssembly.RuntimeError's name
}

/** Checks the executor's result has the documented shape before it is stored. */
export function checkRunResult(spec: RunSpec, result: RunResult): void {
  const fraction = (value: unknown) => typeof value === "number" && value >= 0 && value <= 1;
  const problems: string[] = [];
  if (!fraction(result?.accuracy)) problems.push(`accuracy ${String(result?.accuracy)} is not in [0, 1]`);
  if (typeof result?.perClassAccuracy !== "object" || result.perClassAccuracy === null) problems.push("perClassAccuracy missing");
  if (!Array.isArray(result?.curve)) problems.push("curve missing");
  if (typeof result?.wallTimeMs !== "number") problems.push("wallTimeMs missing");
  if (typeof result?.backend !== "string") problems.push("backend missing");
  if (spec.protocol.kind === "base-to-new" && !(fraction(result?.baseAccuracy) && fraction(result?.newAccuracy))) {
    problems.push("base-to-new needs baseAccuracy and newAccuracy in [0, 1]");
  }
  for (const target of spec.protocol.targets) {
    if (!fraction(result?.targetAccuracy?.[target])) problems.push(`targetAccuracy.${target} missing`);
  }
  if (problems.length > 0) {
    throw experimentErrors.make("VLP_RUN_BAD_RESULT", `run ${spec.id} (${spec.entryId} on ${spec.dataset}): ${problems.join("; ")}`);
  }
}

/** The snapshot of the resolved manifest that `vlprompt report` reads back. */
export const EXPERIMENT_FILE = "experiment.json";

class GridRun {
  private readonly failed: { spec: RunSpec; error: Error }[] = [];
  private completed = 0;
  private readonly failedMetaJobs = new Map<string, Error>();

  constructor(
    private readonly store: ResultsStore,
    private readonly options: RunManifestOptions,
    private readonly signal: AbortSignal,
  ) {}

  private emit(event: RunEvent): void {
    this.options.onEvent?.(event);
  }

  private context(onProgress: (progress: RunProgress) => void): ExecutionContext {
    return { progress: onProgress, signal: this.signal };
  }

  async metaJobs(jobs: readonly MetaJobSpec[]): Promise<void> {
    for (const [index, job] of jobs.entries()) {
      if (this.signal.aborted) return;
      this.emit({ type: "meta-start", job, index, total: jobs.length });
      const started = Date.now();
      try {
        await mkdir(join(job.checkpointPath, ".."), { recursive: true });
        const context = this.context((progress) => this.emit({ type: "meta-progress", job, progress }));
        const result = await this.options.executeMetaTraining!(job, context);
        const wallTimeMs = result.wallTimeMs ?? Date.now() - started;
        const record = { v: 1 as const, id: job.id, finishedAt: new Date().toISOString(), checkpointPath: result.checkpointPath, wallTimeMs };
        await this.store.putMeta(record);
        this.emit({ type: "meta-done", job, wallTimeMs });
      } catch (error) {
        if (this.signal.aborted) return;
        this.failedMetaJobs.set(job.id, asError(error));
        this.emit({ type: "meta-failed", job, error: asError(error) });
      }
    }
  }

  /** Runs one spec; returns false when the grid must stop (interrupt, or failFast after a failure). */
  async run(spec: RunSpec, index: number, total: number): Promise<boolean> {
    if (this.signal.aborted) return false;
    this.emit({ type: "run-start", spec, index, total });
    try {
      const metaFailure = spec.gram?.metaJobId ? this.failedMetaJobs.get(spec.gram.metaJobId) : undefined;
      if (metaFailure) throw new Error(`its meta-training job ${spec.gram!.metaJobId} failed: ${metaFailure.message}`, { cause: metaFailure });
      await mkdir(spec.runDir, { recursive: true });
      const context = this.context((progress) => this.emit({ type: "run-progress", spec, progress }));
      const result = await this.options.executeRun(spec, context);
      checkRunResult(spec, result);
      await this.store.put({ v: 1, id: spec.id, status: "done", finishedAt: new Date().toISOString(), spec, result });
      this.completed++;
      this.emit({ type: "run-done", spec, result });
      return true;
    } catch (caught) {
      if (this.signal.aborted) return false;
      const raw = asError(caught);
      const aborted = isBackendAbort(raw);
      const error = aborted
        ? experimentErrors.make("VLP_RUN_BACKEND_ABORTED", `the tensor backend aborted in run ${spec.id} (${spec.entryId}, ${spec.dataset}, ${spec.shots} shots, seed ${spec.seed}): ${raw.message}`, { cause: raw })
        : raw;
      this.failed.push({ spec, error });
      // A forced redo that fails keeps the earlier finished result rather than replacing it with the failure.
      if (!this.store.isFinished(spec.id)) await this.store.put({ v: 1, id: spec.id, status: "failed", finishedAt: new Date().toISOString(), spec, error: errorInfo(error) });
      this.emit({ type: "run-failed", spec, error });
      return !this.options.failFast && !aborted;
    }
  }

  summary(plan: Plan, work: { toRun: readonly RunSpec[]; metaToRun: readonly MetaJobSpec[] }): RunSummary {
    const planned = new Set(plan.runs.map((spec) => spec.id));
    return {
      ...work,
      outDir: this.store.dir,
      planned: plan.runs.length,
      skipped: plan.runs.length - work.toRun.length,
      completed: this.completed,
      failed: this.failed,
      interrupted: this.signal.aborted,
      records: this.store.records().filter((record) => planned.has(record.id)),
    };
  }
}

function experimentSnapshot(manifest: ResolvedManifest): string {
  return JSON.stringify({ v: 1, savedAt: new Date().toISOString(), manifest }, null, 2) + "\n";
}

/** What `runManifest` would do now: the grid, and its unfinished runs and meta-training jobs. */
export interface PendingWork {
  readonly outDir: string;
  readonly plan: Plan;
  /** The runs and meta-training jobs to do (all of them unfinished, or every one with `force`). */
  readonly toRun: readonly RunSpec[];
  readonly metaToRun: readonly MetaJobSpec[];
  /** Finished runs that would be skipped. */
  readonly skipped: number;
  /** Lines of results.jsonl that could not be read (ignored). */
  readonly corruptLines: readonly number[];
}

function pendingIn(plan: Plan, store: ResultsStore, force: boolean): Pick<PendingWork, "toRun" | "metaToRun" | "skipped"> {
  const toRun = plan.runs.filter((spec) => force || !store.isFinished(spec.id));
  const neededJobs = new Set(toRun.flatMap((spec) => (spec.gram?.metaJobId ? [spec.gram.metaJobId] : [])));
  const metaToRun = plan.metaJobs.filter((job) => neededJobs.has(job.id) && (force || !store.metaCheckpoint(job.id)));
  return { toRun, metaToRun, skipped: plan.runs.length - toRun.length };
}

/**
 * The dry run: what a `runManifest` call would run now, read without the results store's lock (so it works beside
 * a running grid); runs nothing and writes nothing.
 */
export async function pendingWork(manifest: ResolvedManifest, options: Pick<RunManifestOptions, "outDir" | "force"> = {}): Promise<PendingWork> {
  const resolved = options.outDir ? { ...manifest, outDir: options.outDir } : manifest;
  const plan = planManifest(resolved);
  const store = await ResultsStore.peek(resolved.outDir);
  try {
    return { outDir: resolved.outDir, plan, ...pendingIn(plan, store, options.force ?? false), corruptLines: store.corruptLines };
  } finally {
    await store.close();
  }
}

export async function runManifest(manifest: ResolvedManifest, options: RunManifestOptions): Promise<RunSummary> {
  const resolved = options.outDir ? { ...manifest, outDir: options.outDir } : manifest;
  const plan = planManifest(resolved);
  const store = await ResultsStore.open(resolved.outDir);
  try {
    if (store.corruptLines.length > 0) {
      options.onEvent?.({ type: "warning", message: `ignored unreadable lines ${store.corruptLines.join(", ")} of results.jsonl` });
    }
    const { toRun, metaToRun, skipped } = pendingIn(plan, store, options.force ?? false);
    const grid = new GridRun(store, options, options.signal ?? new AbortController().signal);
    if (metaToRun.length > 0 && !options.executeMetaTraining) {
      throw experimentErrors.make(
        "VLP_RUN_META_NOT_WIRED",
        `${metaToRun.length} meta-training job(s) needed by entries ${[...new Set(metaToRun.flatMap((job) => job.usedBy))].join(", ")}`,
      );
    }
    await writeFileAtomic(join(resolved.outDir, EXPERIMENT_FILE), experimentSnapshot(resolved));
    options.onEvent?.({ type: "plan", plan, toRun, skipped, metaToRun: metaToRun.length });
    await grid.metaJobs(metaToRun);
    for (const [index, spec] of toRun.entries()) {
      if (!(await grid.run(spec, index, toRun.length))) break;
    }
    return grid.summary(plan, { toRun, metaToRun });
  } finally {
    await store.close();
  }
}

export interface MetaTrainSummary {
  readonly outDir: string;
  readonly planned: number;
  readonly reused: number;
  readonly trained: number;
  readonly failed: readonly { readonly job: MetaJobSpec; readonly error: Error }[];
  readonly interrupted: boolean;
}

/** Produces the manifest's meta-checkpoints only (`vlprompt meta-train`); finished ones are reused unless `force`. */
export async function metaTrainManifest(
  manifest: ResolvedManifest,
  options: Omit<RunManifestOptions, "executeRun" | "failFast"> & { readonly executeMetaTraining: MetaTrainExecutor },
): Promise<MetaTrainSummary> {
  const resolved = options.outDir ? { ...manifest, outDir: options.outDir } : manifest;
  const plan = planManifest(resolved);
  const store = await ResultsStore.open(resolved.outDir);
  try {
    const toRun = plan.metaJobs.filter((job) => options.force || !store.metaCheckpoint(job.id));
    const failed: { job: MetaJobSpec; error: Error }[] = [];
    let trained = 0;
    const onEvent = (event: RunEvent) => {
      if (event.type === "meta-failed") failed.push({ job: event.job, error: event.error });
      if (event.type === "meta-done") trained++;
      options.onEvent?.(event);
    };
    const signal = options.signal ?? new AbortController().signal;
    const grid = new GridRun(store, { ...options, onEvent, executeRun: () => Promise.reject(new Error("unused")) }, signal);
    await grid.metaJobs(toRun);
    return {
      outDir: resolved.outDir,
      planned: plan.metaJobs.length,
      reused: plan.metaJobs.length - toRun.length,
      trained,
      failed,
      interrupted: signal.aborted,
    };
  } finally {
    await store.close();
  }
}
