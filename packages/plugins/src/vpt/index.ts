import { defineMethod } from "@vlprompt/core";
import { VptLearner } from "./learner.js";
import { vptDefaults, vptOptionsSchema } from "./options.js";

export const vpt = defineMethod({
  name: "vpt",
  description: "VPT on CLIP: learnable vision tokens (shallow, or deep in every prompted block), fixed 'a photo of a {class}.' classifier.",
  optionsSchema: vptOptionsSchema,
  defaults: vptDefaults,
  recipe: "vpt",
  create: (options, context) => new VptLearner(options, context),
});

export { VptLearner, handCraftedTextFeatures } from "./learner.js";
export { vptOptionsSchema, vptDefaults, vptTextTemplate, type VptOptions } from "./options.js";
export { vptOfficialName } from "./names.js";
