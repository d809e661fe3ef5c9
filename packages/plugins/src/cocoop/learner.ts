import * as tf from "@tensorflow/tfjs";
import {
  ClassPrompts,
  l2Normalize,
  loadStateInto,
  methodErrors,
  stateOf,
  torchLinearInit,
  variableFrom,
  wordEmbeddings,
  type LearnerState,
  type MethodContext,
  type PromptLearner,
  type TextSide,
} from "@vlprompt/core";
import type { CocoopOptions } from "./options.js";

/** Our parameter names and the official `CustomCLIP` module paths (trainers/cocoop.py), for checkpoints and goldens. */
export const cocoopOfficialNames = {
  textContext: "prompt_learner.ctx",
  metaHiddenWeight: "prompt_learner.meta_net.linear1.weight",
  metaHiddenBias: "prompt_learner.meta_net.linear1.bias",
  metaOutputWeight: "prompt_learner.meta_net.linear2.weight",
  metaOutputBias: "prompt_learner.meta_net.linear2.bias",
} as const;

type CocoopParams = Record<keyof typeof cocoopOfficialNames, tf.Variable>;

/**
 * CoCoOp (Zhou et al., CVPR 2022): CoOp's context [n, width] plus a meta-net
 * Linear(embed, embed/16) - ReLU - Linear(embed/16, width) that maps each L2-normalised image feature to a
 * bias added to every context token. Each image gets its own prompts, so the text encoder runs on
 * [batch * classes] sequences (image-major). Linear weights are [out, in] as in PyTorch: y = x W^T + b.
 */
export class CocoopLearner implements PromptLearner {
  readonly params: CocoopParams;
  readonly conditionsOnImage = true;
  private readonly prompts: ClassPrompts;

  constructor(options: CocoopOptions, context: MethodContext) {
    const { backbone, classNames, rng } = context;
    const { textWidth: width, embedDim } = backbone.model.config;
    const textContext = this.initialContext(options, context);
    const hidden = Math.max(1, Math.floor(embedDim / options.metaNetReduction));
    const linear1 = torchLinearInit(rng, embedDim, hidden);
    const linear2 = torchLinearInit(rng, hidden, width);
    this.prompts = new ClassPrompts(backbone, classNames, textContext.shape[0]!, options.contextInit ?? undefined);
    this.params = {
      textContext,
      metaHiddenWeight: variableFrom("metaHiddenWeight", [hidden, embedDim], linear1.weight),
      metaHiddenBias: variableFrom("metaHiddenBias", [hidden], linear1.bias),
      metaOutputWeight: variableFrom("metaOutputWeight", [width, hidden], linear2.weight),
      metaOutputBias: variableFrom("metaOutputBias", [width], linear2.bias),
    };
  }

  /** "a photo of a" word embeddings (the word count sets n, as upstream), or N(0, initStd) of [n, width]. */
  private initialContext(options: CocoopOptions, { backbone, rng }: MethodContext): tf.Variable {
    const width = backbone.model.config.textWidth;
    if (options.contextInit) {
      const init = wordEmbeddings(backbone, options.contextInit);
      return variableFrom("textContext", [init.ids.length, width], init.values);
    }
    const n = options.contextLength;
    return variableFrom("textContext", [n, width], rng.normalArray(n * width, options.initStd));
  }

  /** The meta-net on L2-normalised image features: [batch, embed] -> [batch, width]. */
  metaNet(imageFeatures: tf.Tensor2D): tf.Tensor2D {
    return tf.tidy(() => {
      const p = this.params;
      const normalised = l2Normalize(imageFeatures) as tf.Tensor2D;
      const hidden = tf.relu(tf.add(tf.matMul(normalised, p.metaHiddenWeight as tf.Tensor2D, false, true), p.metaHiddenBias));
      return tf.add(tf.matMul(hidden as tf.Tensor2D, p.metaOutputWeight as tf.Tensor2D, false, true), p.metaOutputBias) as tf.Tensor2D;
    });
  }

  text(imageFeatures?: tf.Tensor2D): TextSide {
    if (!imageFeatures) {
      throw methodErrors.make("VLP_METHOD_INPUT", "cocoop: text() needs the batch's image features (its prompts depend on each image)");
    }
    const batch = imageFeatures.shape[0];
    const embeddings = tf.tidy(() => this.assemblePerImage(this.metaNet(imageFeatures)));
    const eotIndices = Array.from({ length: batch }, () => this.prompts.eotIndices).flat();
    return { kind: "inputs", input: { embeddings, eotIndices }, perImage: true };
  }

  /** [SOT][ctx + bias_i][class][.][EOT] for every (image i, class), broadcast rather than looped: [batch * classes, tokens, width]. */
  private assemblePerImage(bias: tf.Tensor2D): tf.Tensor3D {
    const { prefix, suffix } = this.prompts;
    const [classes, rest, width] = suffix.shape;
    const [batch] = bias.shape;
    const n = this.prompts.contextLength;
    const shifted = tf.add(tf.reshape(this.params.textContext, [1, n, width]), tf.reshape(bias, [batch, 1, width])); // [batch, n, width]
    const context = tf.broadcastTo(tf.reshape(shifted, [batch, 1, n, width]), [batch, classes, n, width]);
    const prefixes = tf.broadcastTo(tf.reshape(prefix, [1, classes, 1, width]), [batch, classes, 1, width]);
    const suffixes = tf.broadcastTo(tf.reshape(suffix, [1, classes, rest, width]), [batch, classes, rest, width]);
    const rows = tf.concat([prefixes, context, suffixes], 2); // [batch, classes, tokens, width]
    return tf.reshape(rows, [batch * classes, 1 + n + rest, width]);
  }

  state(): LearnerState {
    return stateOf(this.params);
  }

  load(state: LearnerState): void {
    loadStateInto(this.params, state, "cocoop");
  }

  dispose(): void {
    this.prompts.dispose();
    tf.dispose(Object.values(this.params));
  }
}
