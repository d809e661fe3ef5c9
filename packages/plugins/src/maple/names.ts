import { parseBlockName } from "../shared/deep-prompts.js";
import { unknownParameter } from "../shared/official-names.js";

/**
 * Our parameter name -> its key in the official MaPLe checkpoint (CustomCLIP state_dict). Deep entries are
 * named by block here (block i >= 1) and by list position upstream (i - 1).
 */
export function mapleOfficialName(name: string): string {
  if (name === "textContext") return "prompt_learner.ctx";
  if (name === "couplingProjection.weight" || name === "couplingProjection.bias") {
    return `prompt_learner.proj.${name.slice("couplingProjection.".length)}`;
  }
  const text = parseBlockName(name, "textDeepPrompts");
  if (text && text.part === undefined) return `prompt_learner.compound_prompts_text.${text.block - 1}`;
  const projection = parseBlockName(name, "deepCouplingProjections");
  if (projection && (projection.part === "weight" || projection.part === "bias")) {
    return `prompt_learner.compound_prompt_projections.${projection.block - 1}.${projection.part}`;
  }
  throw unknownParameter("maple", name);
}
