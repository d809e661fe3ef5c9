import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { isVlpromptError } from "../errors.js";
import { planManifest } from "./plan.js";
import { resolveManifest } from "./resolve.js";
import { LOCK_FILE, readResults, RESULTS_FILE, ResultsStore } from "./store.js";
import { fakeResult, testCatalog, testManifest } from "./test-fixtures.js";
import type { RunRecord } from "./types.js";

const freshDir = () => mkdtempSync(join(tmpdir(), "vlp-store-"));
const specs = planManifest(resolveManifest(testManifest(), { baseDir: "/exp", methods: testCatalog })).runs;
const done = (index: number): RunRecord => ({
  v: 1,
  id: specs[index]!.id,
  status: "done",
  finishedAt: "2026-01-01T00:00:00.000Z",
  spec: specs[index]!,
  result: fakeResult(specs[index]!),
});

describe("results store", () => {
  it("writes one JSON line per run, replaces a record with the same id, and leaves no temp files", async () => {
    const dir = freshDir();
    const store = await ResultsStore.open(dir);
    await store.put(done(0));
    await store.put(done(1));
    await store.put({ ...done(0), finishedAt: "2026-02-02T00:00:00.000Z" });
    await store.close();
    const lines = readFileSync(join(dir, RESULTS_FILE), "utf8").trimEnd().split("\n");
    expect(lines).toHaveLength(2);
    expect((JSON.parse(lines[0]!) as RunRecord).finishedAt).toBe("2026-02-02T00:00:00.000Z");
    expect(readdirSync(dir).filter((name) => name.endsWith(".tmp"))).toEqual([]);
    expect(existsSync(join(dir, LOCK_FILE))).toBe(false);
  });

  it("keeps unreadable lines verbatim, reports them and reads the rest", async () => {
    const dir = freshDir();
    writeFileSync(join(dir, RESULTS_FILE), `${JSON.stringify(done(0))}\n{"torn": tru\n`);
    writeFileSync(join(dir, `${RESULTS_FILE}.999.abcd.tmp`), "half a file from a killed writer");
    const store = await ResultsStore.open(dir);
    expect(store.corruptLines).toEqual([2]);
    expect(store.isFinished(specs[0]!.id)).toBe(true);
    await store.put(done(1));
    await store.close();
    const text = readFileSync(join(dir, RESULTS_FILE), "utf8");
    expect(text).toContain('{"torn": tru\n');
    expect(readResults(dir).records.map((record) => record.id)).toEqual([specs[0]!.id, specs[1]!.id]);
  });

  it("refuses a second writer while the first holds the lock, and takes over a dead process's lock", async () => {
    const dir = freshDir();
    const first = await ResultsStore.open(dir);
    await expect(ResultsStore.open(dir)).rejects.toSatisfy((error) => isVlpromptError(error, "VLP_RUN_LOCKED"));
    await first.close();
    const { hostname } = await import("node:os");
    writeFileSync(join(dir, LOCK_FILE), JSON.stringify({ pid: 2 ** 22 + 12345, host: hostname() }));
    const second = await ResultsStore.open(dir);
    await second.close();
  });

  it("says when a folder has no results", () => {
    expect(() => readResults(freshDir())).toThrow(/VLP_RESULTS_NOT_FOUND/);
  });
});
