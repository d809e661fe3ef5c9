/**
 * Fast fixtures for the training and evaluation tests (not exported): the tiny golden CLIP with its stub
 * tokenizer, synthetic labelled image datasets, and small methods (core cannot import the plugins package):
 * a CoOp-like text context, a VPT-like vision prompt, and a learner whose loss turns NaN.
 */
import * as tf from "@tensorflow/tfjs";
import { Type } from "@sinclair/typebox";
import { ClipModel } from "../clip/model.js";
import { configFromOpenAiJson } from "../clip/config.js";
import { createDataset, type ClassificationDataset } from "../data/dataset.js";
import type { RgbImage } from "../data/image.js";
import type { Backbone, LearnerState, LossTerms, MethodContext, PromptLearner, TextSide } from "../method/contract.js";
import { defineMethod } from "../method/define.js";
import { loadStateInto, stateOf, variableFrom } from "../method/state.js";
import { ClassPrompts } from "../method/text-prompts.js";
import { Rng } from "../tensor/rng.js";
import { splitWords, WordTokenizer } from "../clip/tokenizer.js";
import { loadFixtureDataset } from "../data/fixture.js";
import { GoldenTokenizer } from "../testing/golden-method.js";
import { loadGolden } from "../testing/goldens.js";

/** The tiny CLIP of the golden fixtures (32 px images, width 48/64, 2+2 layers, context 16) + its tokenizer. */
export function loadTinyBackbone(): Backbone {
  const golden = loadGolden("clip-tiny.openai");
  const model = ClipModel.fromTensorMap(golden.tensors, { config: configFromOpenAiJson(golden.json.config) });
  return { model, tokenizer: new GoldenTokenizer(), name: "clip-tiny" };
}

const fixtureKinds = { emoji: "emoji", icons: "icons", fashion: "fashion" } as const;

/** Every class name of the committed data fixture (emoji, icons, fashion). */
function fixtureClassNames(): string[] {
  return Object.values(fixtureKinds).flatMap((kind) => loadFixtureDataset({ kind }).classNames);
}

/** The tiny CLIP with a word tokenizer over the fixture's class names and the template words (ids < 512). */
export function loadFixtureBackbone(): Backbone {
  const { model } = loadTinyBackbone();
  const words = [...new Set([...fixtureClassNames(), "a photo of a x ."].flatMap((text) => splitWords(text)))];
  return { model, tokenizer: WordTokenizer.fromWords(words), name: "clip-tiny+words" };
}

/**
 * The committed data fixture by name: "emoji", "icons" or "fashion", optionally "@<style>" ("emoji@noto").
 * Satisfies the protocols' DatasetProvider.
 */
export const fixtureProvider = {
  load(name: string, split: "train" | "test"): ClassificationDataset {
    const [kind, style] = name.split("@") as [keyof typeof fixtureKinds, string | undefined];
    const dataset = loadFixtureDataset({ kind: fixtureKinds[kind], split, ...(style ? { style } : {}) });
    return dataset;
  },
};

export interface SyntheticOptions {
  readonly name: string;
  readonly classes: number;
  readonly perClass: number;
  readonly seed: number;
  /** Image side in pixels (default 40: the test preprocessing resizes to the encoder's 32). */
  readonly size?: number;
  /** "plain" (default) or "inverted" colours: a second domain with the same classes. */
  readonly style?: "plain" | "inverted";
  /** First class-name token (names are "t<k>", which the golden tokenizer reads as one token). */
  readonly firstToken?: number;
}

/** Class c: a colour and a stripe pattern of its own; items add noise and a random brightness. */
function classImage(rng: Rng, c: number, size: number, inverted: boolean): RgbImage {
  const palette = new Rng(1000 + c);
  const colour = [palette.int(256), palette.int(256), palette.int(256)];
  const period = 3 + (c % 5);
  const vertical = c % 2 === 0;
  const brightness = rng.uniform(0.8, 1.2);
  const data = new Uint8Array(size * size * 3);
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const stripe = Math.floor((vertical ? x : y) / period) % 2 === 0 ? 1 : 0.35;
      for (let k = 0; k < 3; k++) {
        const value = Math.min(255, Math.max(0, colour[k]! * stripe * brightness + rng.normal(0, 12)));
        data[(y * size + x) * 3 + k] = inverted ? 255 - value : value;
      }
    }
  }
  return { width: size, height: size, data };
}

/** A labelled dataset of synthetic images, items ordered class by class. */
export function syntheticDataset(options: SyntheticOptions): ClassificationDataset {
  const { name, classes, perClass, seed, size = 40, style = "plain", firstToken = 100 } = options;
  const rng = new Rng(seed);
  const images: RgbImage[] = [];
  const labels: number[] = [];
  for (let c = 0; c < classes; c++) {
    for (let i = 0; i < perClass; i++) {
      images.push(classImage(rng, c, size, style === "inverted"));
      labels.push(c);
    }
  }
  return createDataset({
    name,
    domain: style,
    classInfo: Array.from({ length: classes }, (_, c) => ({ name: `t${firstToken + c}`, order: c })),
    items: {
      size: images.length,
      label: (i) => labels[i]!,
      image: (i) => images[i]!,
      itemId: (i) => `${name}#${i}`,
      itemDomain: () => style,
    },
  });
}

const contextSchema = Type.Object(
  {
    contextLength: Type.Integer({ minimum: 1 }),
    classSpecific: Type.Boolean(),
    /** Multiply the loss by NaN from this optimizer step on (0-based), to test the NaN stop. */
    nanFromStep: Type.Union([Type.Integer({ minimum: 0 }), Type.Null()]),
  },
  { additionalProperties: false },
);

/** CoOp-like: a learnable context "[SOT] ctx {class}. [EOT]", shared or class-specific. */
class ContextLearner implements PromptLearner {
  readonly params: { textContext: tf.Variable };
  private readonly prompts: ClassPrompts;
  private steps = 0;

  constructor(private readonly options: { contextLength: number; classSpecific: boolean; nanFromStep: number | null }, context: MethodContext) {
    const { backbone, classNames, rng } = context;
    const n = options.contextLength;
    const width = backbone.model.config.textWidth;
    this.prompts = new ClassPrompts(backbone, classNames, n);
    const shape = options.classSpecific ? [classNames.length, n, width] : [n, width];
    this.params = { textContext: variableFrom("textContext", shape, rng.normalArray(shape.reduce((a, b) => a * b, 1), 0.02)) };
  }

  text(): TextSide {
    return { kind: "inputs", input: { embeddings: this.prompts.assemble(this.params.textContext), eotIndices: this.prompts.eotIndices } };
  }

  extraLoss(terms: LossTerms): tf.Scalar | undefined {
    if (this.options.nanFromStep === null) return undefined;
    const poisoned = this.steps++ >= this.options.nanFromStep;
    return poisoned ? (tf.mul(tf.sum(this.params.textContext), Number.NaN) as tf.Scalar) : tf.mul(tf.sum(terms.logits), 0) as tf.Scalar;
  }

  state(): LearnerState {
    return stateOf(this.params);
  }

  load(state: LearnerState): void {
    loadStateInto(this.params, state, "test-context");
  }

  dispose(): void {
    this.prompts.dispose();
    tf.dispose(Object.values(this.params));
  }
}

export const contextMethod = defineMethod({
  name: "test-context",
  description: "Test method: CoOp-like learnable text context.",
  optionsSchema: contextSchema,
  defaults: { contextLength: 4, classSpecific: false, nanFromStep: null },
  create: (options, context) => new ContextLearner(options, context),
});

/** VPT-like: learnable vision prompt tokens (so image features cannot be cached) and a fixed text context. */
class VisionLearner implements PromptLearner {
  readonly params: { visionPrompt: tf.Variable };
  private readonly prompts: ClassPrompts;
  private readonly context: tf.Tensor2D;

  constructor(context: MethodContext) {
    const { backbone, classNames, rng } = context;
    const { textWidth, visionWidth } = backbone.model.config;
    this.prompts = new ClassPrompts(backbone, classNames, 2);
    this.context = tf.tensor2d(rng.normalArray(2 * textWidth, 0.02), [2, textWidth]);
    this.params = { visionPrompt: variableFrom("visionPrompt", [2, visionWidth], rng.normalArray(2 * visionWidth, 0.02)) };
  }

  text(): TextSide {
    return { kind: "inputs", input: { embeddings: this.prompts.assemble(this.context), eotIndices: this.prompts.eotIndices } };
  }

  vision() {
    return { tokens: this.params.visionPrompt };
  }

  state(): LearnerState {
    return stateOf(this.params);
  }

  load(state: LearnerState): void {
    loadStateInto(this.params, state, "test-vision");
  }

  dispose(): void {
    this.prompts.dispose();
    this.context.dispose();
    tf.dispose(Object.values(this.params));
  }
}

export const visionMethod = defineMethod({
  name: "test-vision",
  description: "Test method: VPT-like vision prompt tokens.",
  optionsSchema: Type.Object({}, { additionalProperties: false }),
  defaults: {},
  create: (_options, context) => new VisionLearner(context),
});

/** CoCoOp-like: the context is shifted per image by a linear map of the (normalised) image features. */
class ConditionalLearner implements PromptLearner {
  readonly params: { textContext: tf.Variable; metaWeight: tf.Variable };
  readonly conditionsOnImage = true;
  private readonly prompts: ClassPrompts;

  constructor(context: MethodContext) {
    const { backbone, classNames, rng } = context;
    const { textWidth, embedDim } = backbone.model.config;
    this.prompts = new ClassPrompts(backbone, classNames, 2);
    this.params = {
      textContext: variableFrom("textContext", [2, textWidth], rng.normalArray(2 * textWidth, 0.02)),
      metaWeight: variableFrom("metaWeight", [embedDim, textWidth], rng.normalArray(embedDim * textWidth, 0.02)),
    };
  }

  text(imageFeatures?: tf.Tensor2D): TextSide {
    const normalised = tf.div(imageFeatures!, tf.norm(imageFeatures!, "euclidean", -1, true)) as tf.Tensor2D;
    const bias = tf.matMul(normalised, this.params.metaWeight); // [batch, width]
    const rows = tf.unstack(bias).map((b) => this.prompts.assemble(tf.add(this.params.textContext, b)));
    const eotIndices = rows.flatMap(() => this.prompts.eotIndices);
    return { kind: "inputs", perImage: true, input: { embeddings: tf.concat(rows, 0), eotIndices } };
  }

  state(): LearnerState {
    return stateOf(this.params);
  }

  load(state: LearnerState): void {
    loadStateInto(this.params, state, "test-conditional");
  }

  dispose(): void {
    this.prompts.dispose();
    tf.dispose(Object.values(this.params));
  }
}

export const conditionalMethod = defineMethod({
  name: "test-conditional",
  description: "Test method: CoCoOp-like image-conditioned context.",
  optionsSchema: Type.Object({}, { additionalProperties: false }),
  defaults: {},
  create: (_options, context) => new ConditionalLearner(context),
});
