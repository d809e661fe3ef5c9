import * as tf from "@tensorflow/tfjs";
import { transposeFlagsAreFast } from "../backend/native-matmul.js";
import {
  attentionParts,
  type RowSelection,
  composedResidualBlock,
  layerNormInputGrad,
  layerNormParts,
  linear2d,
  quickGeluInputGrad,
  quickGeluParts,
} from "./layers.js";
import type { BlockWeights } from "./weights.js";

export interface BlockOptions {
  /** Additive attention mask [tokens, tokens] (the text encoder's causal mask). */
  readonly mask?: tf.Tensor2D;
  /** Compute only these rows of the output (the last block: the rows CLIP pools). */
  readonly select?: RowSelection;
  /** The weights are constants (ClipWeights.frozen): only the input needs a gradient. */
  readonly frozen?: boolean;
}

/**
 * The residual block every encoder runs. For frozen weights (a ClipModel's: every prompt method) that are not
 * trainable variables, the block is one custom-gradient op whose hand-written backward computes the input
 * gradient only, in about a third of the kernels tfjs's autodiff launches for the same maths (tfjs also clones
 * every saved input of every recorded op). The forward is the same composition, bit for bit. Other weights
 * (pretraining, a golden test differentiating every weight) take the composed block, which tfjs differentiates
 * fully. VLPROMPT_FUSED_BLOCK=0 turns the hand-written backward off (for comparison).
 */
export function residualBlock(x: tf.Tensor3D, block: BlockWeights, heads: number, options: BlockOptions = {}): tf.Tensor3D {
  const { mask, select, frozen } = options;
  if (!frozen || process.env.VLPROMPT_FUSED_BLOCK === "0" || hasTrainableWeights(block)) {
    return composedResidualBlock(x, block, heads, mask, select);
  }
  return frozenResidualBlock(x, block, heads, mask, select);
}

const trainable = (t: tf.Tensor) => t instanceof tf.Variable && t.trainable;

/** True when one of the block's weights is a trainable variable (it then needs its own gradient). */
export function hasTrainableWeights(block: BlockWeights): boolean {
  const { ln1, qkv, out, ln2, fc, proj } = block;
  return [ln1.gamma, ln1.beta, ln2.gamma, ln2.beta, ...[qkv, out, fc, proj].flatMap((l) => [l.weightT, l.bias])].some(trainable);
}

/**
 * One-hot rows [sequences, 1, tokens] at `rows` (one per sequence), with the causal mask's row for each when
 * `causal` (0 up to the row, -inf after). The encoders pass this to their last block.
 */
export function rowSelection(rows: readonly number[], tokens: number, causal: boolean): RowSelection {
  const oneHot = new Float32Array(rows.length * tokens);
  const mask = new Float32Array(rows.length * tokens);
  rows.forEach((row, s) => {
    oneHot[s * tokens + row] = 1;
    for (let j = row + 1; j < tokens; j++) mask[s * tokens + j] = -Infinity;
  });
  return {
    oneHot: tf.tensor3d(oneHot, [rows.length, 1, tokens]),
    ...(causal ? { mask: tf.tensor4d(mask, [rows.length, 1, 1, tokens]) } : {}),
  };
}

/**
 * The tensors the backward reads, in save order. `tokens` are the input rows; `queries` the output rows (all
 * tokens, or one per sequence with a row selection).
 */
interface SavedBlock {
  readonly ln1Normalized: tf.Tensor3D; // [batch, tokens, width]
  readonly ln1Rstd: tf.Tensor3D; // [batch, tokens, 1]
  readonly query: tf.Tensor4D; // [batch, heads, queries, headDim], already scaled by 1/sqrt(headDim)
  readonly keyT: tf.Tensor4D; // [batch, heads, headDim, tokens]
  readonly values: tf.Tensor4D; // [batch, heads, tokens, headDim]
  readonly probs: tf.Tensor4D; // [batch, heads, queries, tokens]
  readonly ln2Normalized: tf.Tensor3D; // [batch, queries, width]
  readonly ln2Rstd: tf.Tensor3D; // [batch, queries, 1]
  readonly geluScaled: tf.Tensor2D; // [batch * queries, 4 * width]: 1.702 * fc output
  readonly geluGate: tf.Tensor2D; // [batch * queries, 4 * width]: sigmoid(1.702 * fc output)
}
const savedOrder = ["ln1Normalized", "ln1Rstd", "query", "keyT", "values", "probs", "ln2Normalized", "ln2Rstd", "geluScaled", "geluGate"] as const;

/**
 * x + attn(ln_1(x)), then + mlp(ln_2(x)) (only the selected rows with `select`), with an input-only
 * hand-written backward: the weights are constants.
 */
export function frozenResidualBlock(x: tf.Tensor3D, block: BlockWeights, heads: number, mask?: tf.Tensor2D, select?: RowSelection): tf.Tensor3D {
  const op = tf.customGrad(((input: tf.Tensor3D, save: tf.GradSaveFunc) => {
    const [batch, , width] = input.shape;
    const ln1 = layerNormParts(input, block.ln1.gamma, block.ln1.beta);
    const attention = attentionParts(ln1.value as tf.Tensor3D, block, heads, select ? select.mask : mask, select?.oneHot);
    const attended = tf.add(select ? tf.matMul(select.oneHot, input) : input, attention.output) as tf.Tensor3D;
    const tokens = attended.shape[1]; // rows computed: all, or one per sequence
    const ln2 = layerNormParts(attended, block.ln2.gamma, block.ln2.beta);
    const gelu = quickGeluParts(linear2d(tf.reshape(ln2.value, [batch * tokens, width]), block.fc));
    const saved: SavedBlock = {
      ln1Normalized: ln1.normalized as tf.Tensor3D, ln1Rstd: ln1.rstd as tf.Tensor3D, ...attention,
      ln2Normalized: ln2.normalized as tf.Tensor3D, ln2Rstd: ln2.rstd as tf.Tensor3D,
      geluScaled: gelu.scaled as tf.Tensor2D, geluGate: gelu.gate as tf.Tensor2D,
    };
    save([...savedOrder.map((name) => saved[name]), ...(select ? [select.oneHot] : [])]);
    return {
      value: tf.add(attended, tf.reshape(linear2d(gelu.value as tf.Tensor2D, block.proj), [batch, tokens, width])),
      gradFunc: (dy: tf.Tensor, tensors: tf.Tensor[]) => {
        const restored = Object.fromEntries(savedOrder.map((name, i) => [name, tensors[i]])) as unknown as SavedBlock;
        return blockInputGrad(dy as tf.Tensor3D, restored, block, heads, tensors[savedOrder.length] as tf.Tensor3D | undefined);
      },
    };
  }) as any) as (input: tf.Tensor3D) => tf.Tensor3D;
  return op(x);
}

/** a . b with optional transposes, in the form that is fast on this backend. */
function product(a: tf.Tensor, b: tf.Tensor, transposeA: boolean, transposeB: boolean): tf.Tensor {
  if (transposeFlagsAreFast()) return tf.matMul(a as tf.Tensor3D, b as tf.Tensor3D, transposeA, transposeB);
  const swap = (t: tf.Tensor) => tf.transpose(t, [...Array(t.rank - 2).keys(), t.rank - 1, t.rank - 2]);
  return tf.matMul((transposeA ? swap(a) : a) as tf.Tensor3D, (transposeB ? swap(b) : b) as tf.Tensor3D);
}

/** d(block)/dx [batch, tokens, width] for the upstream gradient dy [batch, queries, width]. */
function blockInputGrad(dy: tf.Tensor3D, saved: SavedBlock, block: BlockWeights, heads: number, oneHot?: tf.Tensor3D): tf.Tensor3D {
  const [batch, queries, width] = dy.shape;
  const tokens = saved.ln1Normalized.shape[1];
  const flat = (t: tf.Tensor, columns: number) => tf.reshape(t, [-1, columns]) as tf.Tensor2D;
  const dyRows = flat(dy, width); // [batch * queries, width]
  // MLP branch: out = attended + gelu(ln_2(attended) . fc) . proj
  const dGelu = product(dyRows, block.proj.weightT, false, true); // [batch * queries, 4 * width]
  const dFc = quickGeluInputGrad(dGelu, saved.geluScaled, saved.geluGate);
  const dLn2 = product(dFc, block.fc.weightT, false, true); // [batch * queries, width]
  const ln2Grad = layerNormInputGrad(dLn2, flat(saved.ln2Normalized, width), flat(saved.ln2Rstd, 1), block.ln2.gamma);
  const dAttended = tf.add(dyRows, ln2Grad) as tf.Tensor2D;
  // Attention branch: attended = x (its selected rows) + attn(ln_1(x))
  const shape = { batch, tokens, queries, heads, headDim: width / heads };
  const dQkv = attentionInputGrad(product(dAttended, block.out.weightT, false, true), saved, shape, oneHot);
  const dLn1 = product(dQkv, block.qkv.weightT, false, true); // [batch * tokens, width]
  const ln1Grad = tf.reshape(layerNormInputGrad(dLn1, flat(saved.ln1Normalized, width), flat(saved.ln1Rstd, 1), block.ln1.gamma), [batch, tokens, width]);
  const residual = tf.reshape(dAttended, [batch, queries, width]);
  return tf.add(ln1Grad, oneHot ? product(oneHot, residual, true, false) : residual) as tf.Tensor3D;
}

interface AttentionShape {
  readonly batch: number;
  readonly tokens: number;
  readonly queries: number;
  readonly heads: number;
  readonly headDim: number;
}

/**
 * From the gradient of the merged heads [batch * queries, width] (before the out projection) to the gradient of
 * the qkv projection [batch * tokens, 3 * width] (columns q | k | v). scores = query . keyT (+ mask),
 * probs = softmax(scores), attended = probs . values; the softmax backward is probs * (dProbs - rowsum(dProbs * probs)).
 */
function attentionInputGrad(dMerged: tf.Tensor, saved: SavedBlock, shape: AttentionShape, oneHot?: tf.Tensor3D): tf.Tensor2D {
  const { batch, tokens, queries, heads, headDim } = shape;
  const dAttendedHeads = tf.transpose(tf.reshape(dMerged, [batch, queries, heads, headDim]), [0, 2, 1, 3]); // [b, h, q, d]
  const dValues = product(saved.probs, dAttendedHeads, true, false); // [b, h, t, d]
  const dProbs = product(dAttendedHeads, saved.values, false, true); // [b, h, q, t]
  const dScores = tf.mul(saved.probs, tf.sub(dProbs, tf.sum(tf.mul(dProbs, saved.probs), -1, true)));
  const dQuery = tf.mul(product(dScores, saved.keyT, false, true), 1 / Math.sqrt(headDim)); // d/d(unscaled q) [b, h, q, d]
  const dKey = product(dScores, saved.query, true, false); // [b, h, t, d]
  const fromHeads = (t: tf.Tensor, rows: number) => tf.reshape(tf.transpose(t, [0, 2, 1, 3]), [batch, rows, heads * headDim]);
  const dQ = oneHot ? product(oneHot, fromHeads(dQuery, queries), true, false) : fromHeads(dQuery, queries); // [b, t, w]
  const dQkv = tf.concat([dQ, fromHeads(dKey, tokens), fromHeads(dValues, tokens)], 2); // [b, t, 3w]
  return tf.reshape(dQkv, [batch * tokens, 3 * heads * headDim]) as tf.Tensor2D;
}
