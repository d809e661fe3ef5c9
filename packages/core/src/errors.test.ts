import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { renderErrorsPage } from "./errors-doc.js";
import { allErrorCodes, defineErrors, isVlpromptError, VlpromptError } from "./errors.js";
import "./index.js";
import "../../plugins/src/index.js";

describe("the error catalogue", () => {
  it("docs/errors.md is the page generated from the catalogue (run: npx tsx --conditions=source scripts/errors-doc.ts)", () => {
    const page = readFileSync(new URL("../../../docs/errors.md", import.meta.url), "utf8");
    for (const code of allErrorCodes().keys()) expect(page, `docs/errors.md lacks ${code}`).toContain(`\`${code}\``);
    expect(page).toBe(renderErrorsPage());
  });

  it("coded errors carry the code, the detail and the fix", () => {
    const errors = defineErrors({ VLP_TEST_EXAMPLE: { summary: "An example.", fix: "Do the thing." } });
    const error = errors.make("VLP_TEST_EXAMPLE", 'value "x" is bad');
    expect(error).toBeInstanceOf(VlpromptError);
    expect(isVlpromptError(error, "VLP_TEST_EXAMPLE")).toBe(true);
    expect(error.message).toBe('[VLP_TEST_EXAMPLE] value "x" is bad\n  fix: Do the thing.');
    expect(() => defineErrors({ "bad-code": { summary: "s", fix: "f" } } as never)).toThrow(/VLP_/);
  });
});
