import * as tf from "@tensorflow/tfjs";
import {
  ClassPrompts,
  loadStateInto,
  stateOf,
  variableFrom,
  type InjectionOptions,
  type LearnerState,
  type MethodContext,
  type PromptLearner,
  type TextSide,
  type VisionPrompts,
} from "@vlprompt/core";
import { blockName, deepBlocks, normalPromptsPerBlock, promptsByBlock } from "../shared/deep-prompts.js";
import { initialTextContext } from "../shared/text-context.js";
import type { IvlpOptions } from "./options.js";

/**
 * Independent V-L prompting (the IVLP baseline of MaPLe; the base of PromptSRC): deep text and deep vision
 * prompts with no coupling.
 * - `textContext` [nText, textWidth] (prompt_learner.ctx) replaces tokens 1..nText of "[SOT] {template} {name}. [EOT]";
 * - `textDeepPrompts.i` (text_encoder.transformer.resblocks.i.VPT_shallow) replace tokens 1..nText before text block i;
 * - `visionPrompts` [nVision, visionWidth] (image_encoder.VPT) appended after the patch tokens, before ln_pre;
 * - `visionDeepPrompts.i` (image_encoder.transformer.resblocks.i.VPT_shallow) replace the last nVision tokens.
 */
export class IvlpLearner implements PromptLearner {
  readonly params: Record<string, tf.Variable>;
  readonly injection: InjectionOptions;
  /** Absent for language-only prompting, so image features can be cached. */
  readonly vision?: () => VisionPrompts;
  private readonly prompts: ClassPrompts;
  private readonly textBlocks: number[];
  private readonly visionBlocks: number[];

  constructor(options: IvlpOptions, context: MethodContext) {
    const { backbone, classNames, rng } = context;
    const { textWidth, visionWidth, textLayers, visionLayers } = backbone.model.config;
    const nText = options.textContextLength;
    const nVision = options.visionContextLength;
    const visionOn = options.visionDepth >= 1 && nVision >= 1;
    this.injection = { halfPrecisionPrompts: options.halfPrecisionPrompts };
    this.textBlocks = deepBlocks(options.textDepth, textLayers);
    this.visionBlocks = visionOn ? deepBlocks(options.visionDepth, visionLayers) : [];
    const init = initialTextContext(backbone, nText, options.contextInit, options.initStd, rng);
    this.params = {
      textContext: variableFrom("textContext", [nText, textWidth], init.values),
      ...normalPromptsPerBlock("textDeepPrompts", this.textBlocks, nText, textWidth, options.initStd, rng),
    };
    if (visionOn) {
      Object.assign(this.params, {
        visionPrompts: variableFrom("visionPrompts", [nVision, visionWidth], rng.normalArray(nVision * visionWidth, options.initStd)),
        ...normalPromptsPerBlock("visionDeepPrompts", this.visionBlocks, nVision, visionWidth, options.initStd, rng),
      });
      this.vision = () => this.visionPrompts();
    }
    this.prompts = new ClassPrompts(backbone, classNames, nText, init.template);
  }

  text(): TextSide {
    const embeddings = this.prompts.assemble(this.params.textContext!);
    const deepPrompts = promptsByBlock(this.textBlocks, (block) => tf.clone(this.params[blockName("textDeepPrompts", block)]!));
    return { kind: "inputs", input: { embeddings, eotIndices: this.prompts.eotIndices, deepPrompts } };
  }

  state(): LearnerState {
    return stateOf(this.params);
  }

  load(state: LearnerState): void {
    loadStateInto(this.params, state, "ivlp");
  }

  dispose(): void {
    this.prompts.dispose();
    tf.dispose(Object.values(this.params));
  }

  private visionPrompts(): VisionPrompts {
    return {
      tokens: tf.clone(this.params.visionPrompts!),
      deep: promptsByBlock(this.visionBlocks, (block) => tf.clone(this.params[blockName("visionDeepPrompts", block)]!)),
    };
  }
}
