import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { planManifest } from "./plan.js";
import { loadRunDirectory, writeReports } from "./reports.js";
import { resolveManifest } from "./resolve.js";
import { runManifest } from "./runner.js";
import type { Manifest } from "./schema.js";
import { fakeResult, recordingExecutor, testCatalog, testManifest } from "./test-fixtures.js";
import type { RunRecord } from "./types.js";

function syntheticRecords(manifest: Manifest): RunRecord[] {
  const resolved = resolveManifest(manifest, { baseDir: "/exp", methods: testCatalog });
  return planManifest(resolved).runs.map((spec, i) =>
    i === 5
      ? { v: 1, id: spec.id, status: "failed", finishedAt: "", spec, error: { code: "VLP_X", message: "boom" } }
      : { v: 1, id: spec.id, status: "done", finishedAt: "", spec, result: fakeResult(spec) },
  );
}

describe("reports from a synthetic results file", () => {
  it("writes report.md, results.csv, results.json and report.html from a run directory", async () => {
    const dir = mkdtempSync(join(tmpdir(), "vlp-report-"));
    const resolved = resolveManifest(testManifest(), { baseDir: "/exp", outDir: dir, methods: testCatalog });
    await runManifest(resolved, { executeRun: recordingExecutor().executeRun });
    const loaded = loadRunDirectory(dir);
    expect(loaded.manifest?.name).toBe("unit");
    const { files } = await writeReports(dir, loaded.records, { manifest: loaded.manifest });
    expect(files.map((file) => file.slice(dir.length + 1))).toEqual(["report.md", "results.csv", "results.json", "report.html"]);
    const markdown = readFileSync(join(dir, "report.md"), "utf8");
    expect(markdown).toContain("### emo-pets: accuracy (%)");
    expect(markdown).toContain("| Method | 1 shot | 4 shots |");
    // coop on emo-pets, 1 shot, seeds 1 and 2: 0.31 and 0.32 -> 31.50 ± 0.50
    expect(markdown).toContain("| coop | 31.50 ± 0.50 | 41.50 ± 0.50 |");
    expect(markdown).toContain("| gram+coop | coop | +4.00 | 4 |");
    const csv = readFileSync(join(dir, "results.csv"), "utf8").trimEnd().split("\n");
    expect(csv).toHaveLength(17);
    expect(csv[0]).toMatch(/^run_id,experiment,entry,method,gram,dataset,protocol,shots,seed,status,accuracy/);
    const json = JSON.parse(readFileSync(join(dir, "results.json"), "utf8")) as { runs: unknown[]; aggregates: unknown[] };
    expect(json.runs).toHaveLength(16);
    expect(json.aggregates).toHaveLength(8);
    const html = readFileSync(join(dir, "report.html"), "utf8");
    expect(html).not.toMatch(/<script[^>]+src=|<link[^>]+href=|https?:\/\/(?!www\.w3\.org)/);
    expect(html.match(/<svg class="chart"/g)).toHaveLength(2 + 1 + 2); // per dataset + average, + curves
  });

  it("lays out base-to-new and cross-domain tables and lists failed runs", async () => {
    const dir = mkdtempSync(join(tmpdir(), "vlp-report-"));
    const b2n = syntheticRecords(testManifest({ protocol: { kind: "base-to-new" } }));
    const { model } = await writeReports(dir, b2n, { formats: ["md"] });
    const markdown = readFileSync(join(dir, "report.md"), "utf8");
    expect(markdown).toContain("| Method | Base | New | HM |");
    expect(markdown).toContain("### Average over 2 datasets, 16 shots (HM of the averaged base and new)");
    expect(markdown).toContain("### Failed runs");
    expect(markdown).toContain("[VLP_X] boom");
    expect(model.failed).toHaveLength(1);
    const domains = syntheticRecords(testManifest({ protocol: { kind: "cross-domain", targets: ["sketch", "3d"] } }));
    await writeReports(dir, domains, { formats: ["md", "html"] });
    expect(readFileSync(join(dir, "report.md"), "utf8")).toContain("| Method | emo-pets (source) | sketch | 3d | Target average |");
    expect(readFileSync(join(dir, "report.html"), "utf8")).toContain("Cross-domain accuracy from emo-pets");
  });
});
