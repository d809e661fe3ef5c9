/** docs/manifest.schema.json and docs/manifest.md follow the schema; every example manifest validates. */
import { readdirSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { loadManifest, manifestSchemaText, planManifest, type MethodCatalog } from "@vlprompt/core";
import { describe, expect, it } from "vitest";
import { composeContainer, Tokens } from "./container.js";
import { updatedManifestDoc } from "./gen-docs.js";

const repo = (path: string) => fileURLToPath(new URL(`../../../${path}`, import.meta.url));

describe("manifest docs and examples", () => {
  it("docs/manifest.schema.json is the generated schema (regenerate: npm run docs -w @vlprompt/cli)", () => {
    expect(readFileSync(repo("docs/manifest.schema.json"), "utf8")).toBe(manifestSchemaText());
  });

  it("docs/manifest.md's field reference is generated from the schema (regenerate: npm run docs -w @vlprompt/cli)", () => {
    const doc = readFileSync(repo("docs/manifest.md"), "utf8");
    expect(doc).toBe(updatedManifestDoc(doc));
    for (const field of ["name", "backbone", "backend", "plugins", "datasets", "protocol", "methods", "seeds", "recipe", "output", "metaTraining"]) {
      expect(doc).toContain(`| \`${field}\` |`);
    }
  });

  it("every examples/*.json manifest validates against the registered methods", async () => {
    const methods = composeContainer().resolve<MethodCatalog>(Tokens.methods);
    const files = readdirSync(repo("examples")).filter((name) => name.endsWith(".json"));
    expect(files).toEqual(expect.arrayContaining(["quickstart.json", "compare-methods.json"]));
    for (const file of files) {
      const loaded = await loadManifest(repo(`examples/${file}`), { methods });
      expect(planManifest(loaded.resolved).runs.length, file).toBeGreaterThan(0);
    }
    const compare = await loadManifest(repo("examples/compare-methods.json"), { methods });
    const entries = compare.resolved.entries.map((entry) => `${entry.gram ? "gram+" : ""}${entry.method}`);
    for (const method of ["coop", "cocoop", "vpt", "maple"]) expect(entries).toEqual(expect.arrayContaining([method, `gram+${method}`]));
  });
});
