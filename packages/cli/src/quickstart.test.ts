/**
 * examples/quickstart.json end to end, on a reduced setting (1 epoch, 2 meta steps). With the training engine
 * wired into the composition root it must run and print the CoOp vs GRAM+CoOp table; until then the same
 * command must refuse before doing any work, with the coded "not wired" error and exit code 3.
 */
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { MethodRegistry, prepareCache } from "@vlprompt/core";
import { builtinMethods } from "@vlprompt/plugins";
import { beforeAll, describe, expect, it } from "vitest";
import { runCli } from "./cli.js";
import { builtinEngine } from "./container.js";
import { ExitCode } from "./output.js";

const quickstartPath = fileURLToPath(new URL("../../../examples/quickstart.json", import.meta.url));

function reducedQuickstart(): string {
  const manifest = JSON.parse(readFileSync(quickstartPath, "utf8")) as Record<string, unknown>;
  const dir = mkdtempSync(join(tmpdir(), "vlp-quickstart-"));
  const reduced = { ...manifest, $schema: undefined, recipe: { ...(manifest.recipe as object), epochs: 1 }, metaTraining: { steps: 2, tasksPerStep: 1, corpus: "fixture", ways: 3, supportShots: 1, queryShots: 1 }, output: { dir: "out" } };
  writeFileSync(join(dir, "quickstart.json"), JSON.stringify(reduced));
  return join(dir, "quickstart.json");
}

describe("examples/quickstart.json", () => {
  // The reduced run needs EmoPets in the data cache: build just that (reused when present; about a minute fresh).
  beforeAll(() => prepareCache({ datasets: ["emopets"] }), 600_000);

  it("runs end to end on a reduced setting when the engine is wired, and otherwise refuses with exit code 3", async () => {
    let out = "";
    let err = "";
    const io = { stdout: (t: string) => void (out += t), stderr: (t: string) => void (err += t), interactive: false };
    const code = await runCli(["run", reducedQuickstart(), "--json"], { io });
    const wired = builtinEngine(new MethodRegistry().registerAll(builtinMethods)).executeRun !== undefined;
    const result = JSON.parse(out) as Record<string, unknown>;
    if (!wired) {
      expect(code).toBe(ExitCode.notAvailable);
      expect(result).toMatchObject({ ok: false, error: { code: "VLP_RUN_ENGINE_NOT_WIRED" } });
      return;
    }
    expect(code, err).toBe(ExitCode.ok);
    expect(result).toMatchObject({ ok: true, planned: 2, completed: 2, failed: [] });
    const rows = (result.tables as { rows: string[][] }[])[0]!.rows.map((row) => row[0]);
    expect(rows).toEqual(["coop", "gram+coop"]);
  });
});
