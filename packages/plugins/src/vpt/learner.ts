import * as tf from "@tensorflow/tfjs";
import {
  ClassPrompts,
  encodeText,
  loadStateInto,
  stateOf,
  variableFrom,
  type Backbone,
  type InjectionOptions,
  type LearnerState,
  type MethodContext,
  type PromptLearner,
  type TextSide,
  type VisionPrompts,
} from "@vlprompt/core";
import { deepBlocks, normalPromptsPerBlock, promptsByBlock, blockName } from "../shared/deep-prompts.js";
import { vptTextTemplate, type VptOptions } from "./options.js";

/**
 * VPT on CLIP as in multimodal-prompt-learning (the "deep vision prompting" baseline of MaPLe):
 * - `visionPrompts` [n, visionWidth] appended after the patch tokens, before ln_pre (image_encoder.VPT);
 * - `visionDeepPrompts.i` [n, visionWidth] replacing the last n tokens before block i, 1 <= i < depth
 *   (image_encoder.transformer.resblocks.i.VPT_shallow);
 * - the text side is a FIXED classifier: "a photo of a {name}." encoded once by the frozen text encoder.
 */
export class VptLearner implements PromptLearner {
  readonly params: Record<string, tf.Variable>;
  readonly injection: InjectionOptions;
  private readonly fixedTextFeatures: tf.Tensor2D; // [classes, embed], raw
  private readonly blocks: number[];

  constructor(options: VptOptions, context: MethodContext) {
    const { backbone, classNames, rng } = context;
    const { visionWidth, visionLayers } = backbone.model.config;
    const n = options.visionContextLength;
    this.injection = { halfPrecisionPrompts: options.halfPrecisionPrompts };
    this.blocks = deepBlocks(options.depth, visionLayers);
    this.params = {
      visionPrompts: variableFrom("visionPrompts", [n, visionWidth], rng.normalArray(n * visionWidth, options.initStd)),
      ...normalPromptsPerBlock("visionDeepPrompts", this.blocks, n, visionWidth, options.initStd, rng),
    };
    this.fixedTextFeatures = handCraftedTextFeatures(backbone, classNames);
  }

  text(): TextSide {
    return { kind: "features", features: tf.clone(this.fixedTextFeatures) };
  }

  vision(): VisionPrompts {
    return {
      tokens: tf.clone(this.params.visionPrompts!),
      deep: promptsByBlock(this.blocks, (block) => tf.clone(this.params[blockName("visionDeepPrompts", block)]!)),
    };
  }

  state(): LearnerState {
    return stateOf(this.params);
  }

  load(state: LearnerState): void {
    loadStateInto(this.params, state, "vpt");
  }

  dispose(): void {
    tf.dispose([this.fixedTextFeatures, ...Object.values(this.params)]);
  }
}

/** "a photo of a {name}." through the frozen text encoder: [classes, embed], raw (not normalised). */
export function handCraftedTextFeatures(backbone: Backbone, classNames: readonly string[]): tf.Tensor2D {
  const prompts = new ClassPrompts(backbone, classNames, 0, vptTextTemplate);
  try {
    return tf.tidy(() => {
      const embeddings = tf.concat([prompts.prefix, prompts.suffix], 1); // [classes, tokens, width]
      return encodeText(backbone.model.weights, { embeddings, eotIndices: prompts.eotIndices });
    });
  } finally {
    prompts.dispose();
  }
}
