import { readFileSync } from "node:fs";
import { allErrorCodes, renderErrorsPage } from "@vlprompt/core";
import "@vlprompt/plugins";
import { describe, expect, it } from "vitest";
import "./errors.js";

describe("docs/errors.md", () => {
  it("is the page generated from the catalogue of core, plugins and CLI (run: npx tsx --conditions=source scripts/errors-doc.ts)", () => {
    const page = readFileSync(new URL("../../../docs/errors.md", import.meta.url), "utf8");
    for (const code of allErrorCodes().keys()) {
      if (!code.startsWith("VLP_TEST_")) expect(page, `docs/errors.md lacks ${code}`).toContain(`\`${code}\``);
    }
    expect(page).toBe(renderErrorsPage());
  });
});
