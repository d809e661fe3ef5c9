import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { RunResult, RunSpec } from "@vlprompt/core";
import { runCli, type CliOptions } from "./cli.js";
import type { Engine } from "./container.js";
import { ExitCode, type Io } from "./output.js";

function capture(): { io: Io; out: () => string; err: () => string } {
  let out = "";
  let err = "";
  return { io: { stdout: (t) => void (out += t), stderr: (t) => void (err += t), interactive: false }, out: () => out, err: () => err };
}

async function cli(args: string[], options: Omit<CliOptions, "io"> = {}) {
  const streams = capture();
  const code = await runCli(args, { ...options, io: streams.io });
  return { code, out: streams.out(), err: streams.err(), json: () => JSON.parse(streams.out()) as Record<string, unknown> };
}

function manifestFile(body: Record<string, unknown>): string {
  const dir = mkdtempSync(join(tmpdir(), "vlp-cli-"));
  const path = join(dir, "manifest.json");
  writeFileSync(path, JSON.stringify({ name: "cli-test", datasets: ["emopets"], protocol: { kind: "few-shot", shots: [1, 2] }, seeds: [1, 2], output: { dir: "out" }, ...body }));
  return path;
}

const fakeRun = async (spec: RunSpec): Promise<RunResult> => ({
  accuracy: 0.5 + spec.shots / 100 + (spec.gram ? 0.02 : 0),
  perClassAccuracy: { a: 0.5 },
  wallTimeMs: 10,
  curve: [{ epoch: 1, loss: 1 }, { epoch: 2, loss: 0.5 }],
  backend: "cpu",
});

const fakeEngine: Engine = {
  executeRun: fakeRun,
  executeMetaTraining: async (job) => {
    writeFileSync(job.checkpointPath, "meta");
    return { checkpointPath: job.checkpointPath, wallTimeMs: 1 };
  },
};

describe("vlprompt CLI (in-process)", () => {
  it("runs a manifest with the injected engine: JSON summary, results, reports, then skips finished runs", async () => {
    const path = manifestFile({ methods: [{ method: "coop" }, { method: "coop", gram: true }] });
    const first = await cli(["run", path, "--json"], { engine: fakeEngine });
    expect(first.code).toBe(ExitCode.ok);
    const summary = first.json();
    expect(summary).toMatchObject({ ok: true, command: "run", planned: 8, completed: 8, skipped: 0, failed: [] });
    const outDir = summary.outDir as string;
    expect(readFileSync(join(outDir, "results.jsonl"), "utf8").trimEnd().split("\n")).toHaveLength(8);
    expect(readFileSync(join(outDir, "report.md"), "utf8")).toContain("| gram+coop | 53.00 ± 0.00 | 54.00 ± 0.00 |");
    const again = await cli(["run", path, "--json"], { engine: fakeEngine });
    expect(again.json()).toMatchObject({ completed: 0, skipped: 8 });
    const forced = await cli(["run", path, "--json", "--force"], { engine: fakeEngine });
    expect(forced.json()).toMatchObject({ completed: 8, skipped: 0 });
  });

  it("lists what would run with --dry-run and runs nothing", async () => {
    const path = manifestFile({ methods: [{ method: "coop" }, { method: "coop", gram: true }] });
    let calls = 0;
    const counting: Engine = { ...fakeEngine, executeRun: async (spec) => (calls++, fakeRun(spec)) };
    const human = await cli(["run", path, "--dry-run"], { engine: counting });
    expect(human.code).toBe(ExitCode.ok);
    expect(human.out).toContain("8 runs planned, 0 already finished, 8 to run, 1 meta-training job(s) first (dry run: nothing was run)");
    expect(human.out).toContain("  meta-train coop (used by gram+coop)");
    expect(human.out).toContain("  gram+coop emopets 2-shot seed 2");
    expect(calls).toBe(0);
    await cli(["run", path, "--json"], { engine: counting });
    const after = (await cli(["run", path, "--dry-run", "--json"], { engine: counting })).json();
    expect(after).toMatchObject({ ok: true, dryRun: true, planned: 8, skipped: 8, toRun: [], metaToRun: [] });
    expect(calls).toBe(8);
  });

  it("prints the comparison table in human mode and one line per run in a log", async () => {
    const path = manifestFile({ methods: [{ method: "coop" }] });
    const result = await cli(["run", path], { engine: fakeEngine });
    expect(result.code).toBe(0);
    expect(result.out).toMatch(/emopets: accuracy \(%\)/);
    expect(result.out).toMatch(/│ coop\s+│ 51\.00 ± 0\.00 │ 52\.00 ± 0\.00 │/);
    expect(result.err).toMatch(/\[4\/4\] coop emopets 2-shot seed 2: 52\.00% \(ETA/);
    expect((await cli(["run", path, "--quiet"], { engine: fakeEngine })).out).toBe("");
  });

  it("exits 1 when runs fail, keeping the others, and reports them", async () => {
    const path = manifestFile({ methods: [{ method: "coop" }] });
    const failing: Engine = { executeRun: async (spec) => (spec.seed === 2 ? Promise.reject(new Error("NaN loss")) : fakeRun(spec)) };
    const result = await cli(["run", path, "--json"], { engine: failing });
    expect(result.code).toBe(ExitCode.failure);
    expect(result.json()).toMatchObject({ ok: false, completed: 2 });
    expect((result.json().failed as unknown[]).length).toBe(2);
  });

  it("exits 2 with every issue and its pointer for an invalid manifest, in both modes", async () => {
    const path = manifestFile({ methods: [{ method: "cop" }, { method: "coop", options: { contextLength: 0 } }], colour: 1 });
    const json = await cli(["validate", path, "--json"]);
    expect(json.code).toBe(ExitCode.invalidInput);
    const error = json.json().error as { code: string; issues: { pointer: string; suggestion?: string }[] };
    expect(error.code).toBe("VLP_MANIFEST_INVALID");
    expect(error.issues.map((issue) => issue.pointer)).toEqual(["/methods/0/method", "/methods/1/options/contextLength", "/colour"]);
    expect(error.issues[0]!.suggestion).toBe("coop");
    const human = await cli(["validate", path]);
    expect(human.err).toContain('/methods/0/method: unknown method "cop"; did you mean "coop"?');
    const notJson = join(mkdtempSync(join(tmpdir(), "vlp-cli-")), "m.json");
    writeFileSync(notJson, '{"name": "x",\n  "datasets": [}');
    expect((await cli(["validate", notJson])).err).toMatch(/VLP_MANIFEST_JSON.*line 2, column 16/);
  });

  it("says exit 3 when the engine is not wired, and exit 2 for bad arguments", async () => {
    const path = manifestFile({ methods: [{ method: "coop" }] });
    const run = await cli(["run", path, "--json"], { engine: { executeRun: undefined } });
    expect(run.code).toBe(ExitCode.notAvailable);
    expect(run.json()).toMatchObject({ ok: false, error: { code: "VLP_RUN_ENGINE_NOT_WIRED" } });
    expect((await cli(["pretrain"], { engine: { pretrain: undefined } })).code).toBe(ExitCode.notAvailable);
    expect((await cli(["evaluate", "x.safetensors", "emopets", "--json"], { engine: { evaluate: undefined } })).json()).toMatchObject({ error: { code: "VLP_CLI_NOT_WIRED" } });
    const unknown = await cli(["frobnicate", "--json"]);
    expect(unknown.code).toBe(ExitCode.invalidInput);
    expect(unknown.json()).toMatchObject({ ok: false, error: { code: "VLP_CLI_USAGE" } });
    expect((await cli(["run"])).code).toBe(ExitCode.invalidInput);
    expect((await cli(["--help"])).code).toBe(ExitCode.ok);
  });

  it("delegates data prepare, pretrain and evaluate to engine parts", async () => {
    const seen: unknown[] = [];
    const engine: Engine = {
      dataPrepare: async (request) => (seen.push(request.datasets), { prepared: request.datasets }),
      evaluate: async (request) => ({ accuracy: 0.5, checkpoint: request.checkpoint }),
      pretrain: async (request) => ({ steps: request.steps, emojiShare: request.emojiShare, lr: request.lr, scenes: request.sceneProbability, grey: request.greyProbability }),
    };
    expect((await cli(["data", "prepare", "emopets", "emofood", "--json"], { engine })).json()).toMatchObject({ ok: true, result: { prepared: ["emopets", "emofood"] } });
    expect((await cli(["pretrain", "--steps", "5", "--emoji-share", "none", "--json"], { engine })).json()).toMatchObject({ result: { steps: 5, emojiShare: null } });
    expect((await cli(["pretrain", "--lr", "2e-3", "--emoji-share", "0.3", "--scenes", "0.6", "--grey", "0.3", "--json"], { engine })).json()).toMatchObject({ result: { lr: 0.002, emojiShare: 0.3, scenes: 0.6, grey: 0.3 } });
    expect((await cli(["evaluate", "c.safetensors", "emopets", "--json"], { engine })).json()).toMatchObject({ result: { accuracy: 0.5 } });
    expect(seen).toEqual([["emopets", "emofood"]]);
  });

  it("lists methods with options and defaults, and meta-trains a manifest's GRAM entries", async () => {
    const methods = (await cli(["methods", "--json"])).json().methods as { name: string; options: { name: string; default: unknown }[] }[];
    const coop = methods.find((method) => method.name === "coop")!;
    expect(coop.options.find((option) => option.name === "contextLength")?.default).toBe(16);
    const presets = (await cli(["methods", "--json"])).json().presets as { name: string; epochs: number; epochsByShots?: Record<string, number> }[];
    expect(presets.find((preset) => preset.name === "coop")).toMatchObject({ epochs: 200, epochsByShots: { "1": 50, "2": 100, "16": 200 } });
    const path = manifestFile({ methods: [{ method: "coop", gram: true }, { method: "cocoop", gram: true }] });
    const meta = await cli(["meta-train", path, "--json"], { engine: fakeEngine });
    expect(meta.json()).toMatchObject({ ok: true, planned: 2, trained: 2, reused: 0 });
    expect((await cli(["meta-train", path, "--json"], { engine: fakeEngine })).json()).toMatchObject({ trained: 0, reused: 2 });
  });

  it("rewrites the reports of a run directory with `report`", async () => {
    const path = manifestFile({ methods: [{ method: "coop" }] });
    const outDir = (await cli(["run", path, "--json"], { engine: fakeEngine })).json().outDir as string;
    const report = await cli(["report", outDir, "--json", "--format", "md,csv"]);
    expect(report.json()).toMatchObject({ ok: true, runs: 4, failed: 0 });
    expect((report.json().files as string[]).map((file) => file.slice(outDir.length + 1))).toEqual(["report.md", "results.csv"]);
    expect((await cli(["report", outDir, "--format", "pdf"])).code).toBe(ExitCode.invalidInput);
  });
});
