import "reflect-metadata";
import { existsSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { initBackend } from "../backend/select.js";
import { catalogFromMethods } from "../experiment/catalog.js";
import { resolveManifest } from "../experiment/resolve.js";
import { checkRunResult, runManifest } from "../experiment/runner.js";
import type { Manifest } from "../experiment/schema.js";
import type { GramSpec, RunSpec } from "../experiment/types.js";
import { isVlpromptError } from "../errors.js";
import type { Backbone } from "../method/contract.js";
import type { MethodDefinition } from "../method/define.js";
import { resolveRecipe } from "../train/recipes.js";
import { contextMethod, fixtureProvider, loadFixtureBackbone } from "../train/test-fixtures.js";
import { evaluate } from "./checkpoint-eval.js";
import { createRunExecutor, type RunExecutorDeps } from "./execute.js";
import { zeroShotMethod } from "./zero-shot.js";

let backbone: Backbone;
let dir: string;
const methods = [contextMethod, zeroShotMethod] as MethodDefinition[];
const registry = { get: (name: string) => methods.find((m) => m.name === name)! };

beforeAll(async () => {
  await initBackend({ backend: "wasm", log: () => {} });
  backbone = loadFixtureBackbone();
  dir = await mkdtemp(join(tmpdir(), "vlp-exec-"));
});
afterAll(async () => {
  backbone.model.dispose();
  await rm(dir, { recursive: true, force: true });
});

const deps = (extra: Partial<RunExecutorDeps> = {}): RunExecutorDeps => ({
  methods: registry,
  loadBackbone: async () => backbone,
  datasets: fixtureProvider,
  ...extra,
});

const context = () => {
  const phases: string[] = [];
  return { phases, progress: (p: { phase: string }) => void phases.push(p.phase), signal: new AbortController().signal };
};

function spec(fields: Partial<RunSpec> = {}): RunSpec {
  return {
    id: "run1",
    experiment: "test",
    entryId: "test-context",
    method: "test-context",
    options: {},
    gram: null,
    dataset: "emoji@noto",
    protocol: { kind: "few-shot", targets: [] },
    shots: 2,
    seed: 1,
    recipe: resolveRecipe({ overrides: { epochs: 1, batchSize: 16 } }),
    backbone: { kind: "default" },
    backend: "wasm",
    runDir: join(dir, "runs", fields.id ?? "run1"),
    saveCheckpoint: false,
    ...fields,
  };
}

describe("createRunExecutor", () => {
  it("turns a RunSpec into a RunResult of the documented shape, for every protocol", async () => {
    const execute = createRunExecutor(deps());
    const cases: Partial<RunSpec>[] = [
      {},
      { protocol: { kind: "base-to-new", targets: [] } },
      { protocol: { kind: "cross-dataset", targets: ["icons"] } },
      { protocol: { kind: "cross-domain", targets: ["emoji@twemoji"] }, method: "zero-shot", entryId: "zs" },
    ];
    for (const fields of cases) {
      const run = spec(fields);
      const ctx = context();
      const result = await execute(run, ctx);
      expect(() => checkRunResult(run, result)).not.toThrow();
      expect(result.backend).toBe("wasm");
      expect(ctx.phases[0]).toBe("prepare");
      expect(ctx.phases).toContain("evaluate");
      expect(ctx.phases.includes("train")).toBe(run.method !== "zero-shot");
    }
    execute.dispose();
  });

  it("wraps the method with GRAM's hook, and refuses GRAM runs without it", async () => {
    const gram: GramSpec = { init: true, regulate: true, options: {}, metaCheckpoint: "/nowhere", metaJobId: null };
    const plain = createRunExecutor(deps());
    const unwired = await plain(spec({ gram }), context()).catch((e: unknown) => e);
    plain.dispose();
    expect(isVlpromptError(unwired, "VLP_EVAL_GRAM_NOT_WIRED")).toBe(true);
    const wrapped: string[] = [];
    const wrapMethod = (method: MethodDefinition, given: GramSpec) => {
      wrapped.push(`${method.name} ${given.metaCheckpoint}`);
      return method;
    };
    const withGram = createRunExecutor(deps({ wrapMethod }));
    const result = await withGram(spec({ gram }), context());
    withGram.dispose();
    expect(wrapped).toEqual(["test-context /nowhere"]);
    expect(result.accuracy).toBeGreaterThanOrEqual(0);
  });

  it("keeps a checkpoint when asked, which evaluate(checkpoint, dataset) reads back", async () => {
    const run = spec({ id: "kept", saveCheckpoint: true });
    const execute = createRunExecutor(deps());
    const result = await execute(run, context());
    execute.dispose();
    const path = result.details!.checkpoint as string;
    expect(existsSync(path)).toBe(true);
    const test = fixtureProvider.load("emoji@noto", "test");
    const again = await evaluate(path, test, { backbone, methods: registry });
    expect(again.accuracy).toBe(result.accuracy);
  });

  it("runs a manifest end to end; a NaN run fails with its code while the other runs go on", async () => {
    const manifest: Manifest = {
      name: "e2e",
      backend: "wasm",
      datasets: ["emoji@noto"],
      protocol: { kind: "base-to-new", shots: [2] },
      methods: [
        { method: "zero-shot" },
        { method: "test-context", recipe: { epochs: 1, batchSize: 8 } },
        { id: "nan", method: "test-context", options: { nanFromStep: 0 }, recipe: { epochs: 1, batchSize: 8 } },
      ],
      seeds: [1, 2],
    };
    const resolved = resolveManifest(manifest, { baseDir: dir, outDir: join(dir, "e2e"), methods: catalogFromMethods(methods) });
    const execute = createRunExecutor(deps());
    const summary = await runManifest(resolved, { executeRun: execute });
    execute.dispose();
    expect(summary).toMatchObject({ planned: 6, completed: 4 });
    expect(summary.failed.map((failure) => [failure.spec.entryId, (failure.error as { code?: string }).code])).toEqual([
      ["nan", "VLP_TRAIN_NON_FINITE_LOSS"],
      ["nan", "VLP_TRAIN_NON_FINITE_LOSS"],
    ]);
    const done = summary.records.filter((record) => record.status === "done");
    expect(done.every((record) => record.status === "done" && record.result.newAccuracy !== undefined)).toBe(true);
  });
});
