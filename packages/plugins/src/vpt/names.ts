import { parseBlockName } from "../shared/deep-prompts.js";
import { unknownParameter } from "../shared/official-names.js";

/**
 * Our parameter name -> its key in the official multimodal-prompt-learning VPT checkpoint (CustomCLIP state_dict):
 * visionPrompts -> image_encoder.VPT, visionDeepPrompts.i -> image_encoder.transformer.resblocks.i.VPT_shallow.
 */
export function vptOfficialName(name: string): string {
  if (name === "visionPrompts") return "image_encoder.VPT";
  const deep = parseBlockName(name, "visionDeepPrompts");
  if (deep && deep.part === undefined) return `image_encoder.transformer.resblocks.${deep.block}.VPT_shallow`;
  throw unknownParameter("vpt", name);
}
