import * as tf from "@tensorflow/tfjs";
import type { ClipWeights } from "./weights.js";
import { residualBlock, rowSelection } from "./block.js";
import { causalMask, layerNorm, linear2d } from "./layers.js";
import { clipErrors } from "./errors.js";
import { rowPacking } from "./packing.js";
import { expandPrompt, maybeHalf, replaceTokens, type InjectionOptions, type TextInput, type VisionPrompts } from "./prompts.js";

/**
 * images [batch, 3, res, res] (NCHW, already normalised) -> patch tokens [batch, grid^2, width].
 * conv1 with stride = kernel = patch is a matMul over flattened patches (no conv filter gradient needed).
 */
function embedPatches(weights: ClipWeights, images: tf.Tensor4D): tf.Tensor3D {
  const { visionPatchSize: p, visionWidth: width } = weights.config;
  const [batch, channels, height] = images.shape;
  const grid = height / p;
  const rows = tf.reshape(images, [batch * channels * grid, p, grid, p]); // [b*c*gy, py, gx, px]
  const byCell = tf.transpose(rows, [0, 2, 1, 3]); // [b*c*gy, gx, py, px]
  const perChannel = tf.reshape(byCell, [batch, channels, grid * grid, p * p]);
  const patches = tf.reshape(tf.transpose(perChannel, [0, 2, 1, 3]), [batch * grid * grid, channels * p * p]);
  return tf.reshape(tf.matMul(patches, weights.vision.patchT), [batch, grid * grid, width]);
}

/** CLIP image encoder with optional visual prompts. Returns raw features [batch, embed] (not normalised). */
export function encodeImage(
  weights: ClipWeights,
  images: tf.Tensor4D,
  prompts?: VisionPrompts,
  options?: InjectionOptions,
): tf.Tensor2D {
  return tf.tidy(() => {
    const { vision, config } = weights;
    const batch = images.shape[0];
    const width = config.visionWidth;
    const cls = tf.broadcastTo(tf.reshape(vision.classEmbedding, [1, 1, width]), [batch, 1, width]);
    let x = tf.add(tf.concat([cls, embedPatches(weights, images)], 1), vision.positional) as tf.Tensor3D;
    // The reference casts AFTER expanding to the batch (`VPT.expand(B, -1, -1).half()`), so the fp16 rounding
    // of the gradient applies per image, before the batch sum.
    if (prompts?.tokens) x = tf.concat([x, maybeHalf(expandPrompt(prompts.tokens, batch), options) as tf.Tensor3D], 1);
    x = layerNorm(x, vision.lnPre) as tf.Tensor3D;
    // Only the class token's output is read: the last block computes that row alone (exact; it skips about three
    // quarters of that block's products).
    const classRow = rowSelection(new Array<number>(batch).fill(0), x.shape[1], false);
    const last = vision.blocks.length - 1;
    vision.blocks.forEach((block, i) => {
      const deep = i > 0 ? prompts?.deep?.[i] : undefined;
      if (deep) x = replaceTokens(x, maybeHalf(expandPrompt(deep, batch), options), x.shape[1] - deep.shape[deep.rank - 2]!);
      x = residualBlock(x, block, config.visionHeads, { frozen: weights.frozen, ...(i === last ? { select: classRow } : {}) });
    });
    const clsOut = tf.reshape(tf.slice(x, [0, 0, 0], [batch, 1, width]), [batch, width]);
    return tf.matMul(layerNorm(clsOut, vision.lnPost) as tf.Tensor2D, vision.projection);
  });
}

/** CLIP text encoder over prepared input embeddings. Returns raw features [sequences, embed]. */
export function encodeText(weights: ClipWeights, input: TextInput, options?: InjectionOptions): tf.Tensor2D {
  return tf.tidy(() => {
    const { text, config } = weights;
    const [sequences, fullLength, width] = input.embeddings.shape;
    checkEotIndices(input.eotIndices, sequences, fullLength);
    // The mask is causal and pooling reads the EOT, so tokens after the last EOT cannot change the result:
    // run the transformer on [0, last EOT] only (exact; halves the cost of short class prompts).
    const tokens = input.eotIndices.length > 0 ? Math.min(fullLength, Math.max(...input.eotIndices) + 1) : fullLength;
    const mask = causalMask(tokens);
    const start = input.promptStart ?? 1;
    const embeddings = tokens < fullLength ? tf.slice(input.embeddings, [0, 0, 0], [sequences, tokens, width]) : input.embeddings;
    const positional = tokens < fullLength ? tf.slice(text.positional, [0, 0], [tokens, width]) : text.positional;
    let x = tf.add(embeddings, positional) as tf.Tensor3D;
    // Pooling reads the EOT row only: the last block computes that row alone (exact). The one-hot product is
    // the gather (a gather's gradient has no kernel on wasm).
    const eot = rowSelection(input.eotIndices, tokens, true);
    // Rows after a sequence's own EOT (padding up to the longest) skip every per-row product (exact, clip/packing.ts).
    const packing = rowPacking(input.eotIndices, tokens);
    const last = text.blocks.length - 1;
    text.blocks.forEach((block, i) => {
      const deep = i > 0 ? input.deepPrompts?.[i] : undefined;
      if (deep) x = replaceTokens(x, maybeHalf(expandPrompt(deep, sequences), options), start); // per-sequence cast, as upstream
      x = residualBlock(x, block, config.textHeads, { mask, frozen: weights.frozen, packing, ...(i === last ? { select: eot } : {}) });
    });
    if (last < 0) x = tf.matMul(eot.oneHot, x); // no blocks: pool the embeddings
    const pooled = layerNorm(tf.reshape(x, [sequences, width]), text.lnFinal) as tf.Tensor2D; // [sequences, width]
    return tf.matMul(pooled, text.projection);
  });
}

/** One EOT position per sequence, each a valid row (pooling, the last block and the row packing read them). */
function checkEotIndices(eotIndices: readonly number[], sequences: number, tokens: number): void {
  const bad = eotIndices.findIndex((eot) => !Number.isInteger(eot) || eot < 0 || eot >= tokens);
  if (eotIndices.length === sequences && bad < 0) return;
  const what = eotIndices.length !== sequences ? `${eotIndices.length} EOT positions for ${sequences} sequences` : `EOT position ${eotIndices[bad]} of sequence ${bad} is outside [0, ${tokens})`;
  throw clipErrors.make("VLP_TEXT_INPUT", what);
}

/** Rows of token ids -> token embeddings [rows, tokens, width] (lookup with a backend-independent gradient). */
export function embedTokens(weights: ClipWeights, tokenIds: ArrayLike<number>[]): tf.Tensor3D {
  const rows = tokenIds.length;
  const tokens = tokenIds[0]?.length ?? 0;
  const flat = new Int32Array(rows * tokens);
  tokenIds.forEach((row, r) => flat.set(Array.from(row), r * tokens));
  return tf.reshape(embeddingLookup(weights.text.tokenEmbedding, flat), [rows, tokens, weights.config.textWidth]);
}

/** table[ids]; the gradient scatters rows back in plain JS (UnsortedSegmentSum is missing on wasm). */
export function embeddingLookup(table: tf.Tensor2D, ids: Int32Array): tf.Tensor2D {
  const lookup = tf.customGrad(((t: tf.Tensor) => ({
    value: tf.gather(t as tf.Tensor2D, tf.tensor1d(ids, "int32")),
    gradFunc: (dy: tf.Tensor) => {
      const [vocab, width] = table.shape;
      const rows = dy.dataSync();
      const grad = new Float32Array(vocab * width);
      for (let r = 0; r < ids.length; r++) {
        const base = ids[r]! * width;
        for (let c = 0; c < width; c++) grad[base + c]! += rows[r * width + c]!;
      }
      return tf.tensor2d(grad, [vocab, width]);
    },
  })) as any);
  return lookup(table) as tf.Tensor2D;
}

/**
 * L2-normalise along the last axis (x / ||x||, as CLIP does). The norm as sqrt(sum(x^2)): the same values as
 * tf.norm (bit for bit on wasm and cpu), which computes sqrt(sum(pow(abs(x), 2))) in four kernels, pow among them
 * at 5x square's cost on wasm.
 */
export function l2Normalize(x: tf.Tensor): tf.Tensor {
  return tf.div(x, tf.sqrt(tf.sum(tf.square(x), -1, true)));
}

/**
 * Cosine logits scaled by exp(logitScale). image [batch, embed]; text [classes, embed] shared by the batch,
 * or [batch, classes, embed] per image (image-conditioned prompts). Returns [batch, classes].
 */
export function clipLogits(imageFeatures: tf.Tensor2D, textFeatures: tf.Tensor, logitScale: tf.Scalar): tf.Tensor2D {
  return tf.tidy(() => {
    const image = l2Normalize(imageFeatures) as tf.Tensor2D;
    const text = l2Normalize(textFeatures);
    const scale = tf.exp(logitScale);
    if (text.rank === 2) return tf.mul(scale, tf.matMul(image, tf.transpose(text as tf.Tensor2D))) as tf.Tensor2D;
    const [batch, embed] = image.shape;
    const perImage = tf.matMul(tf.reshape(image, [batch, 1, embed]), tf.transpose(text, [0, 2, 1]) as tf.Tensor3D);
    return tf.mul(scale, tf.reshape(perImage, [batch, text.shape[1]!])) as tf.Tensor2D;
  });
}
