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
import { applyLinear, linearInit, linearVariables } from "../shared/linear.js";
import { initialTextContext } from "../shared/text-context.js";
import type { MapleOptions } from "./options.js";

/**
 * MaPLe (Khattak et al., CVPR 2023), as in multimodal-prompt-learning trainers/maple.py:
 * - `textContext` [n, textWidth] (prompt_learner.ctx) replaces tokens 1..n of "[SOT] {template} {name}. [EOT]";
 * - `couplingProjection` Linear(textWidth -> visionWidth) (prompt_learner.proj): the layer-0 vision prompts are
 *   couplingProjection(textContext), appended after the patch tokens;
 * - for each deeper block i < depth: `textDeepPrompts.i` [n, textWidth] (compound_prompts_text.{i-1}) replace
 *   text tokens 1..n, and `deepCouplingProjections.i` (compound_prompt_projections.{i-1}) maps them to the
 *   vision prompts that replace the last n vision tokens. All deep projections start as copies of one Linear.
 */
export class MapleLearner implements PromptLearner {
  readonly params: Record<string, tf.Variable>;
  readonly injection: InjectionOptions;
  private readonly prompts: ClassPrompts;
  private readonly blocks: number[];

  constructor(options: MapleOptions, context: MethodContext) {
    const { backbone, classNames, rng } = context;
    const { textWidth, visionWidth, textLayers, visionLayers } = backbone.model.config;
    const n = options.contextLength;
    const half = options.halfPrecisionPrompts;
    this.injection = { halfPrecisionPrompts: half };
    // One counter walks both encoders: a block exists in at least one of them to get prompts.
    this.blocks = deepBlocks(options.depth, Math.max(textLayers, visionLayers));
    const init = initialTextContext(backbone, n, options.contextInit, options.initStd, rng);
    const deepProjection = linearInit(rng, textWidth, visionWidth); // one Linear, deep-copied per block
    this.params = {
      textContext: variableFrom("textContext", [n, textWidth], init.values),
      ...linearVariables("couplingProjection", linearInit(rng, textWidth, visionWidth, half), textWidth, visionWidth),
      ...normalPromptsPerBlock("textDeepPrompts", this.blocks, n, textWidth, options.initStd, rng),
    };
    for (const block of this.blocks) {
      Object.assign(this.params, linearVariables(blockName("deepCouplingProjections", block), deepProjection, textWidth, visionWidth));
    }
    this.prompts = new ClassPrompts(backbone, classNames, n, init.template);
  }

  text(): TextSide {
    const embeddings = this.prompts.assemble(this.params.textContext!);
    const deepPrompts = promptsByBlock(this.blocks, (block) => tf.clone(this.textDeep(block)));
    return { kind: "inputs", input: { embeddings, eotIndices: this.prompts.eotIndices, deepPrompts } };
  }

  vision(): VisionPrompts {
    return {
      tokens: this.project("couplingProjection", this.params.textContext!),
      deep: promptsByBlock(this.blocks, (block) => this.project(blockName("deepCouplingProjections", block), this.textDeep(block))),
    };
  }

  state(): LearnerState {
    return stateOf(this.params);
  }

  load(state: LearnerState): void {
    loadStateInto(this.params, state, "maple");
  }

  dispose(): void {
    this.prompts.dispose();
    tf.dispose(Object.values(this.params));
  }

  private textDeep(block: number): tf.Variable {
    return this.params[blockName("textDeepPrompts", block)]!;
  }

  /** [n, textWidth] -> [n, visionWidth] through the Linear named `base`. */
  private project(base: string, x: tf.Tensor): tf.Tensor2D {
    return applyLinear(x, this.params[`${base}.weight`]!, this.params[`${base}.bias`]!);
  }
}
