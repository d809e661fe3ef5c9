import { Type, type Static } from "@sinclair/typebox";

/** CoOp's options (trainers/coop.py: N_CTX, CSC, CTX_INIT, CLASS_TOKEN_POSITION). */
export const coopOptionsSchema = Type.Object(
  {
    contextLength: Type.Integer({ minimum: 1, maximum: 64, description: "Number of learnable context tokens (N_CTX)." }),
    contextInit: Type.Union([Type.String({ minLength: 1 }), Type.Null()], {
      description: 'Initialise the context from these words (e.g. "a photo of a"; overrides contextLength), or null for N(0, 0.02).',
    }),
    classSpecific: Type.Boolean({ description: "One context per class (CSC). Ties the prompts to the class count." }),
    classTokenPosition: Type.Unsafe<"end" | "middle" | "front">({
      type: "string",
      enum: ["end", "middle", "front"],
      description: "Where the class name goes relative to the context.",
    }),
    initStd: Type.Number({ exclusiveMinimum: 0, description: "Standard deviation of the random initialisation." }),
  },
  { additionalProperties: false },
);

export type CoopOptions = Static<typeof coopOptionsSchema>;

export const coopDefaults: CoopOptions = {
  contextLength: 16,
  contextInit: null,
  classSpecific: false,
  classTokenPosition: "end",
  initStd: 0.02,
};
