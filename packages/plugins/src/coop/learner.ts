import * as tf from "@tensorflow/tfjs";
import {
  ClassPrompts,
  loadStateInto,
  stateOf,
  variableFrom,
  wordEmbeddings,
  type LearnerState,
  type MethodContext,
  type PromptLearner,
  type TextSide,
} from "@vlprompt/core";
import type { CoopOptions } from "./options.js";

/**
 * CoOp (Zhou et al., IJCV 2022): a learnable context [n, width] (or [classes, n, width] when class-specific)
 * replaces the template's first tokens: "[SOT] ctx_1 .. ctx_n {class}. [EOT]".
 */
export class CoopLearner implements PromptLearner {
  readonly params: { textContext: tf.Variable };
  private readonly prompts: ClassPrompts;

  constructor(private readonly options: CoopOptions, context: MethodContext) {
    const { backbone, classNames, rng } = context;
    const width = backbone.model.config.textWidth;
    if (options.contextInit) {
      // "a photo of a": n_ctx becomes the word count; class-specific context is ignored (as upstream).
      const init = wordEmbeddings(backbone, options.contextInit);
      this.prompts = new ClassPrompts(backbone, classNames, init.ids.length, options.contextInit);
      this.params = { textContext: variableFrom("textContext", [init.ids.length, width], init.values) };
      return;
    }
    const n = options.contextLength;
    this.prompts = new ClassPrompts(backbone, classNames, n);
    const shape = options.classSpecific ? [classNames.length, n, width] : [n, width];
    const count = shape.reduce((a, b) => a * b, 1);
    this.params = { textContext: variableFrom("textContext", shape, rng.normalArray(count, options.initStd)) };
  }

  text(): TextSide {
    const embeddings = this.prompts.assemble(this.params.textContext, this.options.classTokenPosition);
    return { kind: "inputs", input: { embeddings, eotIndices: this.prompts.eotIndices } };
  }

  state(): LearnerState {
    return stateOf(this.params);
  }

  load(state: LearnerState): void {
    loadStateInto(this.params, state, "coop");
  }

  dispose(): void {
    this.prompts.dispose();
    tf.dispose(Object.values(this.params));
  }
}
