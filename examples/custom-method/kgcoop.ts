/**
 * KgCoOp (Yao et al., "Visual-Language Prompt Tuning with Knowledge-guided Context Optimization", CVPR 2023),
 * written as a third-party vlprompt method: it imports only the public API of @vlprompt/core.
 *
 * KgCoOp is CoOp plus one loss term that keeps the learned class text features close to the hand-crafted
 * ones ("a photo of a {class}."), which helps on classes never seen in training:
 *
 *   loss = cross-entropy + weight * (1 - mean over classes of cos(learned_c, handCrafted_c))
 *
 * (htyao89/KgCoOp, trainers/kgcoop.py: `score = 1.0 - mean(cos(text_features, text_features_old))`,
 * `loss = CE + W * score`, W = 8.0 in scripts/run.sh.) Register it with one line:
 * `registry.register(kgcoop)`, or list this file in a manifest's `plugins` array.
 */
import * as tf from "@tensorflow/tfjs";
import { Type, type Static } from "@sinclair/typebox";
import {
  ClassPrompts,
  defineMethod,
  embedTokens,
  encodeText,
  l2Normalize,
  loadStateInto,
  methodErrors,
  stateOf,
  variableFrom,
  wordEmbeddings,
  type Backbone,
  type LearnerState,
  type LossTerms,
  type MethodContext,
  type PromptLearner,
  type TextSide,
} from "@vlprompt/core";

export const kgcoopOptionsSchema = Type.Object(
  {
    contextLength: Type.Integer({ minimum: 1, maximum: 64, description: "Learnable context tokens (ignored when contextInit is set)." }),
    contextInit: Type.Union([Type.String({ minLength: 1 }), Type.Null()], {
      description: 'Initialise the context from these words ("a photo of a"; the word count sets the length), or null for N(0, initStd).',
    }),
    initStd: Type.Number({ exclusiveMinimum: 0, description: "Standard deviation of the random context initialisation." }),
    weight: Type.Number({ minimum: 0, description: "Weight of the knowledge-guided term (W, 8.0 in the paper's scripts)." }),
    template: Type.String({
      pattern: "\\{\\}",
      description: 'Hand-crafted prompt; "{}" stands for the class name (the dataset\'s CUSTOM_TEMPLATE upstream).',
    }),
  },
  { additionalProperties: false },
);

export type KgcoopOptions = Static<typeof kgcoopOptionsSchema>;

export const kgcoopDefaults: KgcoopOptions = {
  contextLength: 4,
  contextInit: "a photo of a",
  initStd: 0.02,
  weight: 8.0,
  template: "a photo of a {}.",
};

/** L2-normalised text features of the hand-crafted prompt of every class: [classes, embed]. */
export function handCraftedFeatures(backbone: Backbone, classNames: readonly string[], template: string): tf.Tensor2D {
  const { tokenizer, model } = backbone;
  const length = model.config.contextLength;
  const rows = classNames.map((name) => {
    const ids = [tokenizer.sotToken, ...tokenizer.encode(template.replace("{}", name)), tokenizer.eotToken];
    if (ids.length > length) {
      throw methodErrors.make("VLP_PROMPT_TOO_LONG", `kgcoop: "${template.replace("{}", name)}" needs ${ids.length} tokens, the text encoder takes ${length}`);
    }
    return [...ids, ...Array(length - ids.length).fill(0)];
  });
  const eotIndices = rows.map((row) => row.indexOf(tokenizer.eotToken));
  return tf.tidy(() => {
    const embeddings = embedTokens(model.weights, rows); // [classes, tokens, width]
    return l2Normalize(encodeText(model.weights, { embeddings, eotIndices })) as tf.Tensor2D;
  });
}

/** CoOp's learner (a shared context before the class name) with KgCoOp's extra loss. */
export class KgcoopLearner implements PromptLearner {
  readonly params: { textContext: tf.Variable };
  private readonly prompts: ClassPrompts;
  private readonly handCrafted: tf.Tensor2D; // [classes, embed], normalised, frozen

  constructor(private readonly options: KgcoopOptions, { backbone, classNames, rng }: MethodContext) {
    const width = backbone.model.config.textWidth;
    if (options.contextInit) {
      const init = wordEmbeddings(backbone, options.contextInit);
      this.prompts = new ClassPrompts(backbone, classNames, init.ids.length, options.contextInit);
      this.params = { textContext: variableFrom("textContext", [init.ids.length, width], init.values) };
    } else {
      const n = options.contextLength;
      this.prompts = new ClassPrompts(backbone, classNames, n);
      this.params = { textContext: variableFrom("textContext", [n, width], rng.normalArray(n * width, options.initStd)) };
    }
    this.handCrafted = handCraftedFeatures(backbone, classNames, options.template);
  }

  text(): TextSide {
    const embeddings = this.prompts.assemble(this.params.textContext); // [classes, tokens, width]
    return { kind: "inputs", input: { embeddings, eotIndices: this.prompts.eotIndices } };
  }

  /** weight * (1 - mean_c cos(learned_c, handCrafted_c)); textFeatures are the raw [classes, embed] features. */
  extraLoss({ textFeatures }: LossTerms): tf.Scalar {
    return tf.tidy(() => {
      const cosines = tf.sum(tf.mul(l2Normalize(textFeatures), this.handCrafted), -1); // [classes]
      return tf.mul(this.options.weight, tf.sub(1, tf.mean(cosines))) as tf.Scalar;
    });
  }

  state(): LearnerState {
    return stateOf(this.params);
  }

  load(state: LearnerState): void {
    loadStateInto(this.params, state, "kgcoop");
  }

  dispose(): void {
    this.prompts.dispose();
    this.handCrafted.dispose();
    tf.dispose(Object.values(this.params));
  }
}

export const kgcoop = defineMethod({
  name: "kgcoop",
  description: "KgCoOp: CoOp with a loss that keeps the learned class features near the hand-crafted prompt's.",
  optionsSchema: kgcoopOptionsSchema,
  defaults: kgcoopDefaults,
  recipe: "coop",
  create: (options, context) => new KgcoopLearner(options, context),
});

export default kgcoop;
