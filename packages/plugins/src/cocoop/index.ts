import { defineMethod } from "@vlprompt/core";
import { CocoopLearner } from "./learner.js";
import { cocoopDefaults, cocoopOptionsSchema } from "./options.js";

export const cocoop = defineMethod({
  name: "cocoop",
  description: "CoCoOp: CoOp's context plus a meta-net that shifts it per image (conditional prompts), frozen CLIP.",
  optionsSchema: cocoopOptionsSchema,
  defaults: cocoopDefaults,
  recipe: "cocoop",
  create: (options, context) => new CocoopLearner(options, context),
});

export { CocoopLearner, cocoopOfficialNames } from "./learner.js";
export { cocoopOptionsSchema, cocoopDefaults, type CocoopOptions } from "./options.js";
