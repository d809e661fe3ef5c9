import { defineMethod } from "@vlprompt/core";
import { MapleLearner } from "./learner.js";
import { mapleDefaults, mapleOptionsSchema } from "./options.js";

export const maple = defineMethod({
  name: "maple",
  description: "MaPLe: deep text prompts coupled to deep vision prompts through learned text-to-vision projections.",
  optionsSchema: mapleOptionsSchema,
  defaults: mapleDefaults,
  recipe: "maple",
  create: (options, context) => new MapleLearner(options, context),
});

export { MapleLearner } from "./learner.js";
export { mapleOptionsSchema, mapleDefaults, type MapleOptions } from "./options.js";
export { mapleOfficialName } from "./names.js";
