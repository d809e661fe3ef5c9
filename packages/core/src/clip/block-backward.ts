import * as tf from "@tensorflow/tfjs";
import { matMulTransposed as product } from "../backend/native-matmul.js";
import { fusedAttentionGrad, layerNormInputGrad, quickGeluInputGrad } from "./layers.js";
import { gatherPacked, scatterPadded, type RowPacking } from "./packing.js";
import type { BlockWeights } from "./weights.js";

/**
 * The hand-written backward of the residual block (block.ts). Row counts: "in rows" are the rows ln_1 and the qkv
 * projection ran on (every token, or the valid ones with packing); "out rows" the rows the out projection and
 * the MLP ran on (the same, or one per sequence with a selection). Attention's tensors are padded [b, h, ., .].
 */
export interface SavedBlock {
  readonly ln1Normalized: tf.Tensor2D; // [in rows, width]
  readonly ln1Rstd: tf.Tensor2D; // [in rows, 1]
  readonly probs: tf.Tensor4D; // [batch, heads, queries, tokens]
  /** Composed attention's heads. */
  readonly query?: tf.Tensor4D; // [batch, heads, queries, headDim], already scaled by 1/sqrt(headDim)
  readonly keyT?: tf.Tensor4D; // [batch, heads, headDim, tokens]
  readonly values?: tf.Tensor4D; // [batch, heads, tokens, headDim]
  /** Or the rows the fused attention kernel read its heads from. */
  readonly qkv?: tf.Tensor2D; // [batch * tokens, 3 * width]
  readonly ln2Normalized: tf.Tensor2D; // [out rows, width]
  readonly ln2Rstd: tf.Tensor2D; // [out rows, 1]
  readonly geluScaled: tf.Tensor2D; // [out rows, 4 * width]: 1.702 * fc output
  readonly geluGate: tf.Tensor2D; // [out rows, 4 * width]: sigmoid(1.702 * fc output)
  /** Saved only when the weights need gradients: the inputs of the four projections. */
  readonly ln1Value?: tf.Tensor2D; // [in rows, width]
  readonly merged?: tf.Tensor2D; // [out rows, width]
  readonly ln2Value?: tf.Tensor2D; // [out rows, width]
  readonly geluValue?: tf.Tensor2D; // [out rows, 4 * width]
}

export interface BackwardContext {
  readonly heads: number;
  /** The selection's one-hot rows [batch, 1, tokens] (the last block). */
  readonly oneHot?: tf.Tensor3D;
  readonly packing?: RowPacking;
}

/** Upstream gradients at each projection's output, which the weight gradients need. */
interface BackwardChain {
  readonly dyRows: tf.Tensor2D; // [out rows, width]: at proj's output
  readonly dFc: tf.Tensor2D; // [out rows, 4 * width]: at fc's output
  readonly dLn2: tf.Tensor2D; // [out rows, width]: at ln_2's output
  readonly dAttended: tf.Tensor2D; // [out rows, width]: at the out projection's output
  readonly dQkv: tf.Tensor2D; // [in rows, 3 * width]: at the qkv projection's output
  readonly dLn1: tf.Tensor2D; // [in rows, width]: at ln_1's output
}

/** d(block)/dx [batch, tokens, width] for the upstream gradient dy [batch, queries, width]. */
export function blockBackward(dy: tf.Tensor3D, saved: SavedBlock, block: BlockWeights, context: BackwardContext) {
  const { heads, oneHot, packing } = context;
  const [batch, queries, width] = dy.shape;
  const tokens = saved.probs.shape[3];
  const packedOut = packing && !oneHot ? packing : undefined; // out rows packed too (not with a selection)
  const dyAll = tf.reshape(dy, [batch * queries, width]) as tf.Tensor2D;
  const dyRows = packedOut ? gatherPacked(dyAll, packedOut) : dyAll;
  // MLP branch: out = attended + gelu(ln_2(attended) . fc) . proj
  const dGelu = product(dyRows, block.proj.weightT, false, true); // [out rows, 4 * width]
  const dFc = quickGeluInputGrad(dGelu, saved.geluScaled, saved.geluGate) as tf.Tensor2D;
  const dLn2 = product(dFc, block.fc.weightT, false, true) as tf.Tensor2D; // [out rows, width]
  const dAttended = tf.add(dyRows, layerNormInputGrad(dLn2, saved.ln2Normalized, saved.ln2Rstd, block.ln2.gamma)) as tf.Tensor2D;
  // Attention branch: attended = x (its out rows) + out(attn(ln_1(x)))
  const dMergedRows = product(dAttended, block.out.weightT, false, true) as tf.Tensor2D; // [out rows, width]
  const dMerged = packedOut ? scatterPadded(dMergedRows, packedOut) : dMergedRows; // [batch * queries, width]
  const dQkvAll = saved.qkv
    ? fusedAttentionGrad(dMerged, saved.qkv, saved.probs, heads)
    : attentionInputGrad(dMerged, saved, { batch, tokens, queries, heads, headDim: width / heads }, oneHot);
  const dQkv = packing ? gatherPacked(dQkvAll, packing) : dQkvAll; // [in rows, 3 * width]
  const dLn1 = product(dQkv, block.qkv.weightT, false, true) as tf.Tensor2D; // [in rows, width]
  const ln1Grad = layerNormInputGrad(dLn1, saved.ln1Normalized, saved.ln1Rstd, block.ln1.gamma) as tf.Tensor2D;
  const padded = (rows: tf.Tensor2D) => tf.reshape(packing ? scatterPadded(rows, packing) : rows, [batch, tokens, width]);
  const dx = oneHot
    ? tf.add(padded(ln1Grad), product(oneHot, tf.reshape(dAttended, [batch, 1, width]), true, false))
    : padded(tf.add(ln1Grad, dAttended) as tf.Tensor2D);
  return { dx: dx as tf.Tensor3D, chain: { dyRows, dFc, dLn2, dAttended, dQkv, dLn1 } as BackwardChain };
}

/** Gradients of the twelve weights, in weightList's order: weightT = input^T . dOut, bias = column sums. */
export function weightGrads(chain: BackwardChain, saved: SavedBlock): tf.Tensor[] {
  const { dyRows, dFc, dLn2, dAttended, dQkv, dLn1 } = chain;
  const linearGrads = (input: tf.Tensor, dOut: tf.Tensor) => [product(input, dOut, true, false), tf.sum(dOut, 0)];
  const normGrads = (dOut: tf.Tensor, normalized: tf.Tensor) => [tf.sum(tf.mul(dOut, normalized), 0), tf.sum(dOut, 0)];
  return [
    ...normGrads(dLn1, saved.ln1Normalized),
    ...linearGrads(saved.ln1Value!, dQkv),
    ...linearGrads(saved.merged!, dAttended),
    ...normGrads(dLn2, saved.ln2Normalized),
    ...linearGrads(saved.ln2Value!, dFc),
    ...linearGrads(saved.geluValue!, dyRows),
  ];
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
  const dProbs = product(dAttendedHeads, saved.values!, false, true); // [b, h, q, t]
  const dScores = tf.mul(saved.probs, tf.sub(dProbs, tf.sum(tf.mul(dProbs, saved.probs), -1, true)));
  const dQuery = tf.mul(product(dScores, saved.keyT!, false, true), 1 / Math.sqrt(headDim)); // d/d(unscaled q) [b, h, q, d]
  const dKey = product(dScores, saved.query!, true, false); // [b, h, t, d]
  const fromHeads = (t: tf.Tensor, rows: number) => tf.reshape(tf.transpose(t, [0, 2, 1, 3]), [batch, rows, heads * headDim]);
  const dQ = oneHot ? product(oneHot, fromHeads(dQuery, queries), true, false) : fromHeads(dQuery, queries); // [b, t, w]
  const dQkv = tf.concat([dQ, fromHeads(dKey, tokens), fromHeads(dValues, tokens)], 2); // [b, t, 3w]
  return tf.reshape(dQkv, [batch * tokens, 3 * heads * headDim]) as tf.Tensor2D;
}
