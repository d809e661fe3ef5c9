import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { isVlpromptError } from "../errors.js";
import { planManifest } from "./plan.js";
import { resolveManifest } from "./resolve.js";
import { pendingWork, runManifest, type RunEvent } from "./runner.js";
import type { Manifest } from "./schema.js";
import { readResults } from "./store.js";
import { fakeResult, recordingExecutor, testCatalog, testManifest } from "./test-fixtures.js";

const freshDir = () => mkdtempSync(join(tmpdir(), "vlp-run-"));
const resolveIn = (manifest: Manifest, outDir: string) =>
  resolveManifest(manifest, { baseDir: "/exp", outDir, methods: testCatalog });

describe("runManifest", () => {
  it("runs the whole grid, stores one record per run, and skips finished runs next time", async () => {
    const dir = freshDir();
    const resolved = resolveIn(testManifest(), dir);
    const first = recordingExecutor();
    const events: RunEvent["type"][] = [];
    const summary = await runManifest(resolved, { executeRun: first.executeRun, onEvent: (event) => events.push(event.type) });
    expect(summary).toMatchObject({ planned: 16, skipped: 0, completed: 16, failed: [], interrupted: false });
    expect(first.ran).toHaveLength(16);
    expect(events.filter((type) => type === "run-done")).toHaveLength(16);
    expect(events).toContain("run-progress");
    const again = recordingExecutor();
    const second = await runManifest(resolved, { executeRun: again.executeRun });
    expect(again.ran).toEqual([]);
    expect(second).toMatchObject({ planned: 16, skipped: 16, completed: 0 });
    expect(second.records).toHaveLength(16);
    const forced = recordingExecutor();
    await runManifest(resolved, { executeRun: forced.executeRun, force: true });
    expect(forced.ran).toHaveLength(16);
    expect(readResults(dir).records).toHaveLength(16);
  });

  it("pendingWork (the dry run) lists the unfinished runs and meta jobs and writes nothing, even beside a running grid", async () => {
    const dir = join(freshDir(), "not-yet");
    const manifest = testManifest({ methods: [{ method: "coop" }, { id: "g", method: "coop", gram: true }] });
    const resolved = resolveIn(manifest, dir);
    const fresh = await pendingWork(resolved);
    expect(existsSync(dir)).toBe(false);
    expect(fresh.plan.runs).toHaveLength(16);
    expect(fresh.skipped).toBe(0);
    expect(fresh.toRun).toHaveLength(16);
    expect(fresh.metaToRun.map((job) => job.usedBy)).toEqual([["g"]]);
    const bare = resolveIn(testManifest(), dir);
    let dryDuringRun: Awaited<ReturnType<typeof pendingWork>> | undefined;
    const runs = recordingExecutor();
    await runManifest(bare, {
      executeRun: async (spec, ctx) => {
        if (runs.ran.length === 4 && !dryDuringRun) dryDuringRun = await pendingWork(bare);
        return runs.executeRun(spec, ctx);
      },
    });
    expect(dryDuringRun).toMatchObject({ skipped: 4 }); // read while the grid held the store's lock
    expect(dryDuringRun!.toRun).toHaveLength(12);
    expect((await pendingWork(bare, { force: true })).toRun).toHaveLength(16);
  });

  it("records a failing run, goes on with the grid, and retries only the failure next time", async () => {
    const dir = freshDir();
    const resolved = resolveIn(testManifest(), dir);
    let calls = 0;
    const summary = await runManifest(resolved, {
      executeRun: async (spec) => {
        if (++calls === 3) throw new Error("out of memory");
        return fakeResult(spec);
      },
    });
    expect(summary.completed).toBe(15);
    expect(summary.failed.map((failure) => failure.error.message)).toEqual(["out of memory"]);
    const failedId = summary.failed[0]!.spec.id;
    const retry = recordingExecutor();
    await runManifest(resolved, { executeRun: retry.executeRun });
    expect(retry.ran).toEqual([failedId]);
    expect(readResults(dir).records.every((record) => record.status === "done")).toBe(true);
  });

  it("stops the grid when the tensor backend aborts (a wasm trap), and the next invocation goes on", async () => {
    const dir = freshDir();
    const resolved = resolveIn(testManifest(), dir);
    let calls = 0;
    const summary = await runManifest(resolved, {
      executeRun: async (spec) => {
        const { RuntimeError } = (globalThis as unknown as { WebAssembly: { RuntimeError: ErrorConstructor } }).WebAssembly;
        if (++calls === 2) throw new RuntimeError("memory access out of bounds");
        return fakeResult(spec);
      },
    });
    expect(calls).toBe(2);
    expect(summary.completed).toBe(1);
    const error = summary.failed[0]!.error;
    expect(isVlpromptError(error) && error.code).toBe("VLP_RUN_BACKEND_ABORTED");
    expect(error.message).toContain("memory access out of bounds");
    expect(error.message).toContain(summary.failed[0]!.spec.id);
    const next = recordingExecutor();
    await runManifest(resolved, { executeRun: next.executeRun });
    expect(next.ran).toHaveLength(15);
  });

  it("stops at the first failure with failFast, and rejects results of the wrong shape", async () => {
    const resolved = resolveIn(testManifest(), freshDir());
    const summary = await runManifest(resolved, {
      failFast: true,
      executeRun: async (spec) => ({ ...fakeResult(spec), accuracy: 73.5 }),
    });
    expect(summary.completed).toBe(0);
    expect(summary.failed).toHaveLength(1);
    expect(isVlpromptError(summary.failed[0]!.error, "VLP_RUN_BAD_RESULT")).toBe(true);
  });

  it("stops after the run in progress when interrupted, and continues on the next call", async () => {
    const dir = freshDir();
    const resolved = resolveIn(testManifest(), dir);
    const controller = new AbortController();
    const summary = await runManifest(resolved, {
      signal: controller.signal,
      executeRun: async (spec) => {
        controller.abort();
        return fakeResult(spec);
      },
    });
    expect(summary).toMatchObject({ completed: 1, interrupted: true });
    const rest = recordingExecutor();
    await runManifest(resolved, { executeRun: rest.executeRun });
    expect(rest.ran).toHaveLength(15);
  });

  it("meta-trains each needed checkpoint once, before the runs, and reuses it afterwards", async () => {
    const dir = freshDir();
    const manifest = testManifest({
      methods: [{ method: "coop" }, { id: "g1", method: "coop", gram: true }, { id: "g2", method: "coop", gram: { regulate: false } }],
    });
    const resolved = resolveIn(manifest, dir);
    const metaJobs: string[] = [];
    const order: string[] = [];
    const executeMetaTraining = async (job: { id: string; checkpointPath: string }) => {
      metaJobs.push(job.id);
      order.push("meta");
      writeFileSync(job.checkpointPath, "checkpoint");
      return { checkpointPath: job.checkpointPath, wallTimeMs: 5 };
    };
    const runs = recordingExecutor();
    await runManifest(resolved, { executeRun: async (spec, ctx) => (order.push("run"), runs.executeRun(spec, ctx)), executeMetaTraining });
    expect(metaJobs).toHaveLength(1);
    expect(order[0]).toBe("meta");
    await runManifest(resolved, { executeRun: runs.executeRun, executeMetaTraining, force: true });
    expect(metaJobs).toHaveLength(2);
    await expect(runManifest(resolveIn(manifest, freshDir()), { executeRun: runs.executeRun })).rejects.toSatisfy((error) =>
      isVlpromptError(error, "VLP_RUN_META_NOT_WIRED"),
    );
  });

  it("fails the dependent runs, not the others, when a meta-training job fails", async () => {
    const resolved = resolveIn(testManifest({ methods: [{ method: "coop" }, { method: "coop", gram: true }] }), freshDir());
    const summary = await runManifest(resolved, {
      executeRun: async (spec) => fakeResult(spec),
      executeMetaTraining: async () => {
        throw new Error("no corpus");
      },
    });
    expect(summary.completed).toBe(8);
    expect(summary.failed.every((failure) => failure.spec.entryId === "gram+coop")).toBe(true);
    expect(summary.failed[0]!.error.message).toMatch(/meta-training job .* failed: no corpus/);
  });

  it("survives a process killed mid-grid: a restart runs only the unfinished runs and loses none", async () => {
    const dir = freshDir();
    const manifestPath = join(dir, "manifest.json");
    const manifest = testManifest();
    writeFileSync(manifestPath, JSON.stringify(manifest));
    const outDir = join(dir, "out");
    const fixture = fileURLToPath(new URL("./crash-fixture.ts", import.meta.url));
    const child = spawnSync(process.execPath, ["--conditions=source", "--import", "tsx", fixture, manifestPath, outDir, "3"], {
      encoding: "utf8",
      timeout: 60_000,
    });
    expect(child.signal).toBe("SIGKILL");
    const survivors = readResults(outDir).records;
    expect(survivors).toHaveLength(2); // runs 1 and 2 finished; run 3 was in progress
    const restart = recordingExecutor();
    const resolved = resolveManifest(manifest, { baseDir: dir, outDir, methods: testCatalog });
    const summary = await runManifest(resolved, { executeRun: restart.executeRun });
    expect(summary).toMatchObject({ skipped: 2, completed: 14 });
    expect(restart.ran).not.toContain(survivors[0]!.id);
    expect(restart.ran).not.toContain(survivors[1]!.id);
    const all = readResults(outDir).records;
    const planned = planManifest(resolved).runs.map((spec) => spec.id);
    expect(all.map((record) => record.id).sort()).toEqual([...planned].sort());
    expect(readFileSync(join(outDir, "results.jsonl"), "utf8").trimEnd().split("\n")).toHaveLength(16);
  });
});
