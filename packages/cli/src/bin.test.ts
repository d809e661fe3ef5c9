/**
 * The `vlprompt` binary as a user runs it from the repository (`npx vlprompt ...`, no build step): its --json
 * output parses and its exit codes are the documented ones. (npx reads a `--json` placed right after
 * "vlprompt" as its own flag, so scripts put it after the command, or write `npx -- vlprompt --json ...`.)
 */
import { execFile } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const repoRoot = fileURLToPath(new URL("../../../", import.meta.url));

function npxVlprompt(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile("npx", ["--no", "vlprompt", ...args], { cwd: repoRoot, timeout: 120_000 }, (error, stdout, stderr) => {
      resolve({ code: error ? Number((error as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

describe("npx vlprompt", () => {
  it("prints parseable JSON with --json and exits 0 for a valid manifest, 2 for an invalid one", async () => {
    const bad = join(mkdtempSync(join(tmpdir(), "vlp-bin-")), "bad.json");
    writeFileSync(bad, JSON.stringify({ name: "bad", datasets: ["emopets"], protocol: { kind: "few-shot", shots: [0] }, methods: [{ method: "coopp" }] }));
    const [valid, invalid] = await Promise.all([npxVlprompt(["validate", "examples/quickstart.json", "--json"]), npxVlprompt(["validate", bad, "--json"])]);
    expect(valid.code, valid.stderr).toBe(0);
    expect(JSON.parse(valid.stdout)).toMatchObject({ ok: true, command: "validate", name: "quickstart", runs: 2, metaJobs: 1 });
    expect(invalid.code, invalid.stderr).toBe(2);
    const error = (JSON.parse(invalid.stdout) as { error: { code: string; issues: { pointer: string }[] } }).error;
    expect(error.code).toBe("VLP_MANIFEST_INVALID");
    expect(error.issues.map((issue) => issue.pointer)).toEqual(["/protocol/shots/0", "/methods/0/method"]);
  });
});
