import { describeMethodConformance, type ConformanceOptions } from "@vlprompt/core/testing";
import { builtinMethods } from "./builtin.js";

/**
 * Every built-in method joins the conformance suite. The suite runs on the golden tiny CLIP (16-token text
 * context), so methods whose defaults do not fit it get smaller options here; everything else uses the defaults.
 */
const tinyClipOptions: Record<string, Record<string, unknown>> = {
  coop: { contextLength: 4 },
};

/** Further option sets worth a run of their own (class-specific context ties the state to the class count). */
const extraRuns: Record<string, ConformanceOptions[]> = {
  coop: [{ options: { contextLength: 4, classSpecific: true, classTokenPosition: "middle" }, tiedToClasses: true, label: "class-specific, middle" }],
};

for (const method of builtinMethods) {
  describeMethodConformance(method, { options: tinyClipOptions[method.name] });
  for (const run of extraRuns[method.name] ?? []) describeMethodConformance(method, run);
}
