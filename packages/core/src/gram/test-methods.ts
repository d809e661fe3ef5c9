/**
 * Small methods for GRAM's tests (core cannot import the plugins package): a CoOp-like text context, optional
 * VPT-like vision prompt tokens (text + vision together is the UNIGRAM setting) and an optional non-prompt
 * parameter ("metaNetBias", added to every context token) for the `regulate: "all"` mode.
 */
import * as tf from "@tensorflow/tfjs";
import { Type } from "@sinclair/typebox";
import type { LearnerState, MethodContext, PromptLearner, TextSide } from "../method/contract.js";
import { defineMethod } from "../method/define.js";
import { loadStateInto, stateOf, variableFrom } from "../method/state.js";
import { ClassPrompts } from "../method/text-prompts.js";
import type { VisionPrompts } from "../clip/prompts.js";

const schema = Type.Object(
  {
    textTokens: Type.Integer({ minimum: 0 }),
    visionTokens: Type.Integer({ minimum: 0 }),
    metaNet: Type.Boolean(),
  },
  { additionalProperties: false },
);

class TinyLearner implements PromptLearner {
  readonly params: Record<string, tf.Variable> = {};
  private readonly prompts: ClassPrompts;
  private readonly fixedContext: tf.Tensor2D | null = null;

  constructor(
    private readonly options: { textTokens: number; visionTokens: number; metaNet: boolean },
    context: MethodContext,
  ) {
    const { backbone, classNames, rng } = context;
    const { textWidth, visionWidth } = backbone.model.config;
    const n = Math.max(options.textTokens, 1);
    this.prompts = new ClassPrompts(backbone, classNames, n);
    if (options.textTokens > 0) {
      this.params.textContext = variableFrom("textContext", [n, textWidth], rng.normalArray(n * textWidth, 0.02));
    } else {
      this.fixedContext = tf.tensor2d(rng.normalArray(textWidth, 0.02), [1, textWidth]);
    }
    if (options.visionTokens > 0) {
      const count = options.visionTokens * visionWidth;
      this.params.visionPrompt = variableFrom("visionPrompt", [options.visionTokens, visionWidth], rng.normalArray(count, 0.02));
    }
    if (options.metaNet) this.params.metaNetBias = variableFrom("metaNetBias", [textWidth], rng.normalArray(textWidth, 0.02));
  }

  text(): TextSide {
    return tf.tidy(() => {
      let context: tf.Tensor = this.params.textContext ?? this.fixedContext!;
      if (this.params.metaNetBias) context = tf.add(context, this.params.metaNetBias);
      return { kind: "inputs" as const, input: { embeddings: this.prompts.assemble(context), eotIndices: this.prompts.eotIndices } };
    });
  }

  get vision(): (() => VisionPrompts) | undefined {
    return this.params.visionPrompt ? () => ({ tokens: this.params.visionPrompt }) : undefined;
  }

  state(): LearnerState {
    return stateOf(this.params);
  }

  load(state: LearnerState): void {
    loadStateInto(this.params, state, "tiny");
  }

  dispose(): void {
    this.prompts.dispose();
    this.fixedContext?.dispose();
    tf.dispose(Object.values(this.params));
  }
}

/** "tiny": defaults to a 2-token text context only. */
export const tinyMethod = defineMethod({
  name: "tiny",
  description: "Test method: text context, optional vision prompt tokens, optional meta-net bias.",
  optionsSchema: schema,
  defaults: { textTokens: 2, visionTokens: 0, metaNet: false },
  create: (options, context) => new TinyLearner(options, context),
});
