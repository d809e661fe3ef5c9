import { parseBlockName } from "../shared/deep-prompts.js";
import { unknownParameter } from "../shared/official-names.js";

/** Our parameter name -> its key in the official IVLP checkpoint (CustomCLIP state_dict). */
export function ivlpOfficialName(name: string): string {
  if (name === "textContext") return "prompt_learner.ctx";
  if (name === "visionPrompts") return "image_encoder.VPT";
  const text = parseBlockName(name, "textDeepPrompts");
  if (text && text.part === undefined) return `text_encoder.transformer.resblocks.${text.block}.VPT_shallow`;
  const vision = parseBlockName(name, "visionDeepPrompts");
  if (vision && vision.part === undefined) return `image_encoder.transformer.resblocks.${vision.block}.VPT_shallow`;
  throw unknownParameter("ivlp", name);
}
