import { Type, type Static } from "@sinclair/typebox";

/** VPT on CLIP (multimodal-prompt-learning trainers/vpt.py: N_CTX_VISION, PROMPT_DEPTH_VISION). */
export const vptOptionsSchema = Type.Object(
  {
    visionContextLength: Type.Integer({ minimum: 1, maximum: 256, description: "Learnable vision tokens per layer (N_CTX_VISION)." }),
    depth: Type.Integer({
      minimum: 1,
      description:
        "Prompted vision blocks (PROMPT_DEPTH_VISION): 1 = shallow (input only); d prompts blocks 0..d-1. " +
        "A depth beyond the encoder's layer count prompts every block, as upstream.",
    }),
    initStd: Type.Number({ exclusiveMinimum: 0, description: "Standard deviation of the N(0, std) prompt initialisation." }),
    halfPrecisionPrompts: Type.Boolean({
      description: "Round inserted prompts (and their gradients) to float16 as the reference code's .half() does; false is the diagnostic 'nohalf' math.",
    }),
  },
  { additionalProperties: false },
);

export type VptOptions = Static<typeof vptOptionsSchema>;

/** The paper configuration (VPT/vit_b16_c2_ep5_batch4_4.yaml: 8 tokens in all 12 blocks of ViT-B/16). */
export const vptDefaults: VptOptions = {
  visionContextLength: 8,
  depth: 12,
  initStd: 0.02,
  halfPrecisionPrompts: true,
};

/** The hand-crafted text template of the fixed classifier (FixedEmbeddings in trainers/vpt.py). */
export const vptTextTemplate = "a photo of a";
