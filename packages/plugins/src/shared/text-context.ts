import * as tf from "@tensorflow/tfjs";
import { embedTokens, methodErrors, type Backbone, type Rng } from "@vlprompt/core";

/** The layer-0 text context of MaPLe / IVLP and the template its class prompts are built from. */
export interface TextContextInit {
  readonly values: Float32Array; // [n, textWidth]
  /** Words before the class name in "[SOT] {template} {name}. [EOT]"; the first n tokens become the context. */
  readonly template: string;
}

/** The reference keeps the initialisation words only for short contexts (`ctx_init and n_ctx <= 4`). */
export const maxInitialisedContext = 4;

/**
 * The context rule of multimodal-prompt-learning (trainers/maple.py, trainers/independentVL.py):
 * - with `contextInit` and n <= 4: the embeddings at positions 1..n of the tokenised init string (so
 *   "a photo of a" with n = 2 learns "a photo"), and the prompts keep the FULL init string as template:
 *   "[SOT] ctx_1 .. ctx_n of a {name}. [EOT]" ("of a" stays fixed). Positions past the init words take the
 *   EOT and padding embeddings, exactly as upstream slices them.
 * - otherwise N(0, std) values and the template "X X .. X" (n placeholders, never used).
 */
export function initialTextContext(
  backbone: Backbone,
  contextLength: number,
  contextInit: string | null,
  initStd: number,
  rng: Rng,
): TextContextInit {
  const width = backbone.model.config.textWidth;
  if (contextInit && contextLength <= maxInitialisedContext) {
    const text = contextInit.replace(/_/g, " ");
    return { values: initWordEmbeddings(backbone, text, contextLength), template: text };
  }
  return {
    values: rng.normalArray(contextLength * width, initStd),
    template: Array(contextLength).fill("X").join(" "),
  };
}

/** Embeddings at positions 1..n of "[SOT] {text} [EOT] 0 0 ..." (clip.tokenize, then the token embedding). */
function initWordEmbeddings(backbone: Backbone, text: string, count: number): Float32Array {
  const { tokenizer, model } = backbone;
  const length = model.config.contextLength;
  const ids = [tokenizer.sotToken, ...tokenizer.encode(text), tokenizer.eotToken];
  if (ids.length > length) {
    throw methodErrors.make("VLP_PROMPT_TOO_LONG", `context init "${text}" needs ${ids.length} tokens, the text encoder takes ${length}`);
  }
  const row = [...ids, ...Array(length - ids.length).fill(0)];
  return tf.tidy(() => Float32Array.from(embedTokens(model.weights, [row.slice(1, 1 + count)]).dataSync() as Float32Array));
}
