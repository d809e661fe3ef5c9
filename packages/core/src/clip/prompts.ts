import * as tf from "@tensorflow/tfjs";
import { roundToHalf } from "../tensor/half.js";

/**
 * What a prompt method injects into the backbone. The backbone applies it; methods never reach inside.
 */
export interface TextInput {
  /** Input embeddings before the positional embedding: [sequences, contextLength, textWidth]. */
  readonly embeddings: tf.Tensor3D;
  /** Position of the EOT token in each sequence (pooling reads the final LayerNorm output there). */
  readonly eotIndices: readonly number[];
  /**
   * Deep prompts: entry i (i >= 1) replaces tokens [promptStart, promptStart + n) before block i.
   * [n, textWidth] (shared by every sequence) or [sequences, n, textWidth]. Entry 0 is ignored (layer-0
   * prompts are part of `embeddings`). Blocks past the array keep what the previous block produced.
   */
  readonly deepPrompts?: ReadonlyArray<tf.Tensor | null | undefined>;
  /** First token the deep prompts replace; 1 (right after SOT) in every reference method. */
  readonly promptStart?: number;
}

export interface VisionPrompts {
  /** Tokens appended after the patch tokens, before ln_pre: [n, visionWidth] or [batch, n, visionWidth]. */
  readonly tokens?: tf.Tensor;
  /** Entry i (i >= 1) replaces the last n tokens before block i; same shapes as `tokens`. */
  readonly deep?: ReadonlyArray<tf.Tensor | null | undefined>;
}

export interface InjectionOptions {
  /**
   * Reproduce multimodal-prompt-learning's `.half()` on every inserted prompt (vision tokens and deep prompts
   * on both sides): values rounded to float16 going forward, their gradients rounded to float16 going back.
   */
  readonly halfPrecisionPrompts?: boolean;
}

const roundHalfWithGrad = tf.customGrad(((x: tf.Tensor) => ({
  value: tf.tensor(roundToHalf(x.dataSync() as Float32Array), x.shape, "float32"),
  gradFunc: (dy: tf.Tensor) => tf.tensor(roundToHalf(dy.dataSync() as Float32Array), dy.shape, "float32"),
})) as any);

export function maybeHalf(prompt: tf.Tensor, options?: InjectionOptions): tf.Tensor {
  return options?.halfPrecisionPrompts ? (roundHalfWithGrad(prompt) as tf.Tensor) : prompt;
}

/** Broadcast a [n, width] prompt to [batch, n, width]; a [batch, n, width] prompt passes through. */
export function expandPrompt(prompt: tf.Tensor, batch: number): tf.Tensor3D {
  if (prompt.rank === 3) return prompt as tf.Tensor3D;
  const [n, width] = prompt.shape as [number, number];
  return tf.broadcastTo(tf.reshape(prompt, [1, n, width]), [batch, n, width]) as tf.Tensor3D;
}

/** Replace tokens [start, start + n) of x [batch, tokens, width] with the prompt. */
export function replaceTokens(x: tf.Tensor3D, prompt: tf.Tensor, start: number): tf.Tensor3D {
  const [batch, tokens, width] = x.shape;
  const expanded = expandPrompt(prompt, batch);
  const n = expanded.shape[1];
  const parts: tf.Tensor3D[] = [];
  if (start > 0) parts.push(tf.slice(x, [0, 0, 0], [batch, start, width]));
  parts.push(expanded);
  if (start + n < tokens) parts.push(tf.slice(x, [0, start + n, 0], [batch, tokens - start - n, width]));
  return tf.concat(parts, 1);
}
