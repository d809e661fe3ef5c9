import { defineMethod } from "@vlprompt/core";
import { CoopLearner } from "./learner.js";
import { coopDefaults, coopOptionsSchema } from "./options.js";

export const coop = defineMethod({
  name: "coop",
  description: "CoOp: learnable text context shared by all classes (or class-specific), frozen CLIP.",
  optionsSchema: coopOptionsSchema,
  defaults: coopDefaults,
  recipe: "coop",
  create: (options, context) => new CoopLearner(options, context),
});

export { CoopLearner } from "./learner.js";
export { coopOptionsSchema, coopDefaults, type CoopOptions } from "./options.js";
