import { defineMethod } from "@vlprompt/core";
import { IvlpLearner } from "./learner.js";
import { ivlpDefaults, ivlpOptionsSchema } from "./options.js";

export const ivlp = defineMethod({
  name: "ivlp",
  description: "IVLP: independent deep text prompts and deep vision prompts (no coupling between the encoders).",
  optionsSchema: ivlpOptionsSchema,
  defaults: ivlpDefaults,
  recipe: "ivlp",
  create: (options, context) => new IvlpLearner(options, context),
});

export { IvlpLearner } from "./learner.js";
export { ivlpOptionsSchema, ivlpDefaults, type IvlpOptions } from "./options.js";
export { ivlpOfficialName } from "./names.js";
