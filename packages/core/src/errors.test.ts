import { describe, expect, it } from "vitest";
import { defineErrors, isVlpromptError, VlpromptError } from "./errors.js";

describe("the error catalogue", () => {
  it("coded errors carry the code, the detail and the fix", () => {
    const errors = defineErrors({ VLP_TEST_EXAMPLE: { summary: "An example.", fix: "Do the thing." } });
    const error = errors.make("VLP_TEST_EXAMPLE", 'value "x" is bad');
    expect(error).toBeInstanceOf(VlpromptError);
    expect(isVlpromptError(error, "VLP_TEST_EXAMPLE")).toBe(true);
    expect(error.message).toBe('[VLP_TEST_EXAMPLE] value "x" is bad\n  fix: Do the thing.');
    expect(() => defineErrors({ "bad-code": { summary: "s", fix: "f" } } as never)).toThrow(/VLP_/);
  });
});
