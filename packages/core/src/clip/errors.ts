import { defineErrors } from "../errors.js";

/** Coded errors of the CLIP encoders' inputs. */
export const clipErrors = defineErrors({
  VLP_TEXT_INPUT: {
    summary: "A text encoder input's EOT positions do not fit its embeddings.",
    fix: "Give one EOT position per sequence, each an integer in [0, tokens) (ClassPrompts computes them from the token ids).",
  },
});
