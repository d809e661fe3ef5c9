import { withGram } from "@vlprompt/core";
import { describeMethodConformance } from "@vlprompt/core/testing";
import { builtinMethods } from "./builtin.js";

/**
 * Every built-in method wrapped with GRAM passes the method conformance suite: without a meta-checkpoint the
 * wrapped learner starts from the method's own initialisation, and its gradient regulator (the default gated
 * one, identity at initialisation) is checked as the first optimizer link. Methods with non-prompt
 * parameters (CoCoOp's meta-net, MaPLe's coupling layers) also run with `regulate: "all"` (scalar gates).
 * On wasm (the plain methods run on cpu in conformance.test.ts), which keeps this file fast.
 */
const tinyClipOptions: Record<string, Record<string, unknown>> = {
  coop: { contextLength: 4 },
};

const withNonPromptParams = new Set(["cocoop", "maple"]);

for (const method of builtinMethods) {
  describeMethodConformance(withGram(method), { options: tinyClipOptions[method.name], label: "GRAM", backend: "wasm" });
  if (withNonPromptParams.has(method.name)) {
    describeMethodConformance(withGram(method, { regulate: "all", regulators: { text: { kind: "diagonal" }, vision: { kind: "supmer", rank: 8 } } }), {
      options: tinyClipOptions[method.name],
      label: "GRAM, all parameters regulated",
      backend: "wasm",
    });
  }
}
