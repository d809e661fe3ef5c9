import { Type, type Static } from "@sinclair/typebox";

/** MaPLe's options (multimodal-prompt-learning trainers/maple.py: N_CTX, CTX_INIT, PROMPT_DEPTH, PREC). */
export const mapleOptionsSchema = Type.Object(
  {
    contextLength: Type.Integer({ minimum: 1, maximum: 64, description: "Learnable text context tokens per layer (N_CTX)." }),
    contextInit: Type.Union([Type.String({ minLength: 1 }), Type.Null()], {
      description:
        'Prompt template whose first contextLength tokens initialise the context (e.g. "a photo of a": "a photo" is learned, ' +
        '"of a" stays fixed). Used only when contextLength <= 4, as upstream; otherwise, or with null, N(0, initStd).',
    }),
    depth: Type.Integer({
      minimum: 1,
      description:
        "Prompted blocks in both encoders (PROMPT_DEPTH): 1 = shallow MaPLe, J prompts blocks 0..J-1. " +
        "A depth beyond the encoders' layer count prompts every block.",
    }),
    initStd: Type.Number({ exclusiveMinimum: 0, description: "Standard deviation of the N(0, std) prompt initialisation." }),
    halfPrecisionPrompts: Type.Boolean({
      description:
        "Reproduce the reference's float16 casts: inserted prompts (and their gradients) rounded to float16, and the initial " +
        "coupling projection rounded to float16 (`proj.half()`). false is the diagnostic 'nohalf' math.",
    }),
  },
  { additionalProperties: false },
);

export type MapleOptions = Static<typeof mapleOptionsSchema>;

/** The base-to-new configuration (MaPLe/vit_b16_c2_ep5_batch4_2ctx.yaml). */
export const mapleDefaults: MapleOptions = {
  contextLength: 2,
  contextInit: "a photo of a",
  depth: 9,
  initStd: 0.02,
  halfPrecisionPrompts: true,
};
