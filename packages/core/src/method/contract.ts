import type * as tf from "@tensorflow/tfjs";
import type { ClipModel } from "../clip/model.js";
import type { InjectionOptions, TextInput, VisionPrompts } from "../clip/prompts.js";
import type { Rng } from "../tensor/rng.js";
import type { GradientTransformation } from "../train/optim/types.js";

/** What a method needs of a tokenizer (CLIP's BPE tokenizer and the word tokenizer both fit). */
export interface PromptTokenizer {
  /** Token ids of a text, without start/end tokens. */
  encode(text: string): number[];
  readonly sotToken: number;
  readonly eotToken: number;
}

/** A frozen vision-language backbone: the CLIP weights and the tokenizer that goes with them. */
export interface Backbone {
  readonly model: ClipModel;
  readonly tokenizer: PromptTokenizer;
  /** A name for reports and meta-checkpoints ("default", a file path, ...). */
  readonly name?: string;
}

/** Everything a method's factory receives. */
export interface MethodContext {
  readonly backbone: Backbone;
  /** Class names of the current task, already cleaned ("_" -> " "). */
  readonly classNames: readonly string[];
  /** Seeded randomness for initialisation. */
  readonly rng: Rng;
}

/**
 * The text side of a learner for one forward pass:
 * - "inputs": embeddings for the text encoder (shared by the batch, or per image when `perImage`: then the
 *   sequences are [batch * classes] ordered image-major);
 * - "features": a fixed classifier [classes, embed] (e.g. VPT's hand-crafted prompts), handed to the caller.
 */
export type TextSide =
  | { readonly kind: "inputs"; readonly input: TextInput; readonly perImage?: boolean }
  | { readonly kind: "features"; readonly features: tf.Tensor2D };

/** Tensors available to extra loss terms. */
export interface LossTerms {
  readonly logits: tf.Tensor2D; // [batch, classes]
  readonly labels: tf.Tensor1D; // [batch] int32
  readonly imageFeatures: tf.Tensor2D; // [batch, embed], raw
  readonly textFeatures: tf.Tensor; // [classes, embed] or [batch, classes, embed], raw
}

/** Learned parameters as plain arrays: what checkpoints hold. */
export type LearnerState = Record<string, { readonly shape: number[]; readonly data: Float32Array }>;

/**
 * A prompt learner: owns its trainable variables and says what to inject into the frozen backbone.
 * Functions that return tensors hand them to the caller (the forward pass runs them inside tf.tidy).
 */
export interface PromptLearner {
  /** Named trainable variables (what the optimizer updates and checkpoints save). */
  readonly params: Readonly<Record<string, tf.Variable>>;
  /** The text side; `imageFeatures` ([batch, embed], raw) is given when the learner conditions on images. */
  text(imageFeatures?: tf.Tensor2D): TextSide;
  /** True when text() needs the image features (CoCoOp). */
  readonly conditionsOnImage?: boolean;
  /** Visual prompts; present only for methods that change the image encoder (image features then can't be cached). */
  vision?(): VisionPrompts;
  /** Backbone injection options, e.g. the fp16 prompt rounding of the MaPLe/VPT reference code. */
  readonly injection?: InjectionOptions;
  /** Extra loss terms added to the cross-entropy (e.g. KgCoOp's pull toward hand-crafted prompts). */
  extraLoss?(terms: LossTerms): tf.Scalar | undefined;
  /**
   * Optional first link of the optimizer chain: the trainer builds `chain(learner.gradientTransform(),
   * clipByGlobalNorm, sgd, ...)` when present, so it sees the raw gradients (e.g. GRAM's frozen regulator).
   * Plain methods leave it out; wrappers (withGram) add it.
   */
  gradientTransform?(): GradientTransformation;
  /** Learned parameters only; class-dependent buffers are rebuilt from class names by create(). */
  state(): LearnerState;
  /** Load learned parameters (shapes must match: a coded error names both shapes otherwise). */
  load(state: LearnerState): void;
  /** Free every tensor this learner owns. */
  dispose(): void;
}
