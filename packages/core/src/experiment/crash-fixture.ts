/**
 * Test fixture (run as a child process by runner.test.ts): runs a manifest with a fake executor that kills
 * its own process with SIGKILL when the Nth run starts, as a power cut or `kill -9` would.
 * Usage: node --conditions=source --import tsx crash-fixture.ts <manifest.json> <outDir> <N>
 */
import { readFileSync } from "node:fs";
import { dirname } from "node:path";
import { resolveManifest } from "./resolve.js";
import { runManifest } from "./runner.js";
import type { Manifest } from "./schema.js";
import { fakeResult, testCatalog } from "./test-fixtures.js";

const [manifestPath, outDir, crashAt] = process.argv.slice(2) as [string, string, string];
const manifest = JSON.parse(readFileSync(manifestPath, "utf8")) as Manifest;
const resolved = resolveManifest(manifest, { baseDir: dirname(manifestPath), outDir, methods: testCatalog });
let started = 0;
await runManifest(resolved, {
  executeRun: async (spec) => {
    started++;
    if (started === Number(crashAt)) process.kill(process.pid, "SIGKILL");
    return fakeResult(spec);
  },
  executeMetaTraining: async (job) => ({ checkpointPath: job.checkpointPath, wallTimeMs: 1 }),
});
