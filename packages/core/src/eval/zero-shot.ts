/**
 * Zero-shot CLIP as a method with nothing to learn: the classifier is the text features of a hand-written
 * template, "a photo of a {}." by default (CoOp's ZeroshotCLIP; its per-dataset templates can be passed as
 * `template`), or of several templates averaged (CLIP's prompt ensembling: each template's features are
 * L2-normalised per class, then averaged). Register it like any method; the trainer skips training for a learner
 * without parameters.
 */
import * as tf from "@tensorflow/tfjs";
import { Type } from "@sinclair/typebox";
import { embedTokens, encodeText } from "../clip/encoders.js";
import type { Backbone, LearnerState, MethodContext, PromptLearner, TextSide } from "../method/contract.js";
import { defineMethod } from "../method/define.js";
import { methodErrors } from "../method/errors.js";

export const ZERO_SHOT_TEMPLATE = "a photo of a {}.";

const templateString = Type.String({ pattern: "\\{\\}" });

const zeroShotSchema = Type.Object(
  {
    template: Type.Union([templateString, Type.Array(templateString, { minItems: 1 })], {
      description: 'Prompt template; "{}" is replaced by the class name (CoOp ZeroshotCLIP: "a photo of a {}."). ' +
        "A list of templates is an ensemble: per class, the mean of each template's L2-normalised text features (CLIP).",
    }),
  },
  { additionalProperties: false },
);

/** Token rows "[SOT] template(name) [EOT]" padded to the context length, and the EOT position of each. */
export function templateTokens(backbone: Backbone, classNames: readonly string[], template: string) {
  const { tokenizer, model } = backbone;
  const length = model.config.contextLength;
  const rows = classNames.map((name) => {
    const ids = [tokenizer.sotToken, ...tokenizer.encode(template.replace("{}", name)), tokenizer.eotToken];
    if (ids.length > length) {
      throw methodErrors.make("VLP_PROMPT_TOO_LONG", `"${template.replace("{}", name)}" needs ${ids.length} tokens, the text encoder takes ${length}`);
    }
    return [...ids, ...new Array<number>(length - ids.length).fill(0)];
  });
  return { rows, eotIndices: rows.map((row) => row.indexOf(tokenizer.eotToken)) };
}

/** Raw text features [classes, embed] of a template for every class name; the caller owns the tensor. */
export function templateFeatures(backbone: Backbone, classNames: readonly string[], template = ZERO_SHOT_TEMPLATE): tf.Tensor2D {
  const { rows, eotIndices } = templateTokens(backbone, classNames, template);
  return tf.tidy(() => encodeText(backbone.model.weights, { embeddings: embedTokens(backbone.model.weights, rows), eotIndices }));
}

/** Text features [classes, embed] of one template, or the mean of several templates' unit features. */
export function ensembleFeatures(backbone: Backbone, classNames: readonly string[], template: string | readonly string[]): tf.Tensor2D {
  if (typeof template === "string") return templateFeatures(backbone, classNames, template);
  return tf.tidy(() => {
    const unit = template.map((one) => {
      const raw = templateFeatures(backbone, classNames, one);
      return tf.div(raw, tf.norm(raw, 2, -1, true));
    });
    return tf.div(tf.addN(unit), unit.length) as tf.Tensor2D;
  });
}

class ZeroShotLearner implements PromptLearner {
  readonly params = {};
  private readonly features: tf.Tensor2D;

  constructor(template: string | readonly string[], context: MethodContext) {
    this.features = ensembleFeatures(context.backbone, context.classNames, template);
  }

  text(): TextSide {
    return { kind: "features", features: tf.clone(this.features) };
  }

  state(): LearnerState {
    return {};
  }

  load(): void {}

  dispose(): void {
    this.features.dispose();
  }
}

/** The zero-shot CLIP baseline as a method ("zero-shot"): no parameters, no training. */
export const zeroShotMethod = defineMethod({
  name: "zero-shot",
  description: 'Zero-shot CLIP: classify with the text features of "a photo of a {class}." or of a template ensemble (no training).',
  optionsSchema: zeroShotSchema,
  defaults: { template: ZERO_SHOT_TEMPLATE },
  create: (options, context) => new ZeroShotLearner(options.template, context),
});
