import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { coreRoot, packageVersion } from "./paths.js";
import { ALL_SOURCES, BENCHMARK_STYLES, PRETRAIN_STYLES, sourceById } from "./sources.js";

const notice = readFileSync(join(coreRoot(), "..", "..", "NOTICE"), "utf8");
const PERMISSIVE = new Set(["MIT", "Apache-2.0", "ISC", "CC-BY-4.0", "CC-BY-3.0", "CC0-1.0"]);

describe("data sources", () => {
  it("are all permissive, and none is a forbidden set", () => {
    for (const source of ALL_SOURCES) {
      expect(PERMISSIVE.has(source.license), `${source.id}: ${source.license}`).toBe(true);
      expect(source.npm).not.toMatch(/openmoji|emojione-v1|apple|facebook/);
    }
    expect(new Set(ALL_SOURCES.map((s) => s.id)).size).toBe(ALL_SOURCES.length);
  });

  it("NOTICE names every source with its package version, author and license", () => {
    for (const source of ALL_SOURCES) {
      const entry = notice.slice(notice.indexOf(`[style id: ${source.id}]`));
      expect(entry.length, source.id).toBeLessThan(notice.length);
      expect(entry).toContain(`npm: ${source.npm}@${packageVersion(source.npm)}`);
      expect(entry).toContain(`author: ${source.author}`);
      expect(entry).toContain(`license: ${source.license}`);
    }
    expect(notice).toContain("emojibase-data@");
    expect(notice).toContain("dataset-fashion-mnist");
  });

  it("keeps benchmark and pretraining styles apart", () => {
    for (const style of [...BENCHMARK_STYLES, ...PRETRAIN_STYLES]) expect(sourceById(style)?.kind).toBe("emoji");
    expect(BENCHMARK_STYLES.some((s) => (PRETRAIN_STYLES as readonly string[]).includes(s))).toBe(false);
  });
});
