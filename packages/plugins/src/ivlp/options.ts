import { Type, type Static } from "@sinclair/typebox";

/**
 * Independent vision-language prompting (multimodal-prompt-learning trainers/independentVL.py: N_CTX_TEXT,
 * N_CTX_VISION, PROMPT_DEPTH_TEXT, PROMPT_DEPTH_VISION, CTX_INIT).
 */
export const ivlpOptionsSchema = Type.Object(
  {
    textContextLength: Type.Integer({ minimum: 1, maximum: 64, description: "Learnable text tokens per layer (N_CTX_TEXT)." }),
    visionContextLength: Type.Integer({
      minimum: 0,
      maximum: 256,
      description: "Learnable vision tokens per layer (N_CTX_VISION); 0 leaves the image encoder untouched.",
    }),
    textDepth: Type.Integer({
      minimum: 1,
      description: "Prompted text blocks (PROMPT_DEPTH_TEXT): block 0 through the input, blocks 1..d-1 by replacement.",
    }),
    visionDepth: Type.Integer({
      minimum: 0,
      description: "Prompted vision blocks (PROMPT_DEPTH_VISION); 0 = language-only prompting. Past the layer count: every block.",
    }),
    contextInit: Type.Union([Type.String({ minLength: 1 }), Type.Null()], {
      description:
        'Prompt template whose first textContextLength tokens initialise the text context (e.g. "a photo of a"). ' +
        "Used only when textContextLength <= 4, as upstream; otherwise, or with null, N(0, initStd).",
    }),
    initStd: Type.Number({ exclusiveMinimum: 0, description: "Standard deviation of the N(0, std) prompt initialisation." }),
    halfPrecisionPrompts: Type.Boolean({
      description: "Round inserted deep/vision prompts (and their gradients) to float16 as the reference's .half(); false is the 'nohalf' math.",
    }),
  },
  { additionalProperties: false },
);

export type IvlpOptions = Static<typeof ivlpOptionsSchema>;

/** The base-to-new configuration (IVLP/vit_b16_c2_ep5_batch4_2+2ctx.yaml). */
export const ivlpDefaults: IvlpOptions = {
  textContextLength: 2,
  visionContextLength: 2,
  textDepth: 12,
  visionDepth: 12,
  contextInit: "a photo of a",
  initStd: 0.02,
  halfPrecisionPrompts: true,
};
