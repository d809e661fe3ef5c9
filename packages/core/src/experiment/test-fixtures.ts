/**
 * Small helpers shared by this folder's tests: a manifest, a catalog and a fake executor. Not exported from
 * the package.
 */
import { catalogFromMethods, type MethodCatalog } from "./catalog.js";
import type { Manifest } from "./schema.js";
import type { RunExecutor, RunResult, RunSpec } from "./types.js";

export const testCatalog: MethodCatalog = catalogFromMethods([
  {
    name: "coop",
    optionsSchema: {
      type: "object",
      properties: { nCtx: { type: "integer", minimum: 1 }, ctxInit: { type: ["string", "null"] } },
    },
    defaults: { nCtx: 16, ctxInit: null },
    recipe: { epochs: 10 },
  },
  { name: "cocoop", optionsSchema: { type: "object", properties: { nCtx: { type: "integer" } } }, defaults: { nCtx: 4 } },
  { name: "vpt", optionsSchema: { type: "object" }, defaults: {} },
  { name: "maple", optionsSchema: { type: "object" }, defaults: {} },
]);

export function testManifest(overrides: Partial<Manifest> = {}): Manifest {
  return {
    name: "unit",
    datasets: ["emo-pets", "emo-food"],
    protocol: { kind: "few-shot", shots: [1, 4] },
    methods: [{ method: "coop" }, { method: "coop", gram: { metaCheckpoint: "meta.safetensors" } }],
    seeds: [1, 2],
    recipe: { epochs: 2 },
    ...overrides,
  };
}

/** A deterministic result that depends on the spec (so aggregation has something to average). */
export function fakeResult(spec: RunSpec): RunResult {
  const accuracy = Math.min(1, 0.3 + 0.05 * Math.log2(spec.shots) + (spec.gram ? 0.04 : 0) + 0.01 * spec.seed);
  const targets = Object.fromEntries(spec.protocol.targets.map((target, i) => [target, accuracy * (0.8 - 0.05 * i)]));
  return {
    accuracy,
    perClassAccuracy: { cat: accuracy, dog: accuracy },
    ...(spec.protocol.kind === "base-to-new" ? { baseAccuracy: accuracy, newAccuracy: accuracy * 0.8 } : {}),
    ...(spec.protocol.targets.length > 0 ? { targetAccuracy: targets } : {}),
    wallTimeMs: 1000 + spec.seed,
    curve: Array.from({ length: spec.recipe.epochs }, (_, epoch) => ({ epoch: epoch + 1, loss: 2 / (epoch + 1 + spec.seed) })),
    backend: "cpu",
  };
}

/** An executor that records the ids it ran and returns `fakeResult`. */
export function recordingExecutor(): { executeRun: RunExecutor; ran: string[] } {
  const ran: string[] = [];
  return {
    ran,
    executeRun: async (spec, context) => {
      ran.push(spec.id);
      context.progress({ phase: "train", epoch: 1, epochs: spec.recipe.epochs, loss: 1 });
      return fakeResult(spec);
    },
  };
}
