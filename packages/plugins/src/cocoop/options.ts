import { Type, type Static } from "@sinclair/typebox";

/**
 * CoCoOp's options (trainers/cocoop.py: N_CTX, CTX_INIT, PREC). The defaults are the paper's
 * `vit_b16_c4_ep10_batch1_ctxv1` config: 4 context tokens initialised from "a photo of a".
 * Class-specific context and class-token positions do not exist in CoCoOp (the class name is always at the end).
 */
export const cocoopOptionsSchema = Type.Object(
  {
    contextLength: Type.Integer({ minimum: 1, maximum: 64, description: "Number of learnable context tokens (N_CTX); ignored when contextInit is set." }),
    contextInit: Type.Union([Type.String({ minLength: 1 }), Type.Null()], {
      description: 'Initialise the context from these words ("a photo of a"; the word count becomes the context length), or null for N(0, initStd).',
    }),
    initStd: Type.Number({ exclusiveMinimum: 0, description: "Standard deviation of the random context initialisation." }),
    metaNetReduction: Type.Integer({
      minimum: 1,
      description: "The meta-net's hidden width is embedDim / metaNetReduction (16 upstream: 512 -> 32 -> textWidth).",
    }),
  },
  { additionalProperties: false },
);

export type CocoopOptions = Static<typeof cocoopOptionsSchema>;

export const cocoopDefaults: CocoopOptions = {
  contextLength: 4,
  contextInit: "a photo of a",
  initStd: 0.02,
  metaNetReduction: 16,
};
