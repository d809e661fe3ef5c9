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
 * The residual block every encoder runs, as one custom-gradient op with a hand-written backward (fewer kernels
 * than tfjs's autodiff of the same maths, and no clone of every recorded op's saved inputs: the 10-class cached
 * CoOp step on the default backbone's shape went from 927 to 691 kernel calls):
 * - frozen weights (a ClipModel's: every prompt method): the input gradient only;
 * - other weights (pretraining's, derived from trainable variables, or tensors a caller differentiates, as the
 *   golden every-weight test does): the input's and all twelve weights' gradients.
 * Frozen weights some of which a user replaced by trainable variables take the composed block, which tfjs
 * differentiates weight by weight. The forward is the composed block's, bit for bit. VLPROMPT_FUSED_BLOCK=0
 * always takes the composed block.
 */
export function residualBlock(x: tf.Tensor3D, block: BlockWeights, heads: number, options: BlockOptions = {}): tf.Tensor3D {
  const { mask, select, frozen } = options;
  if (process.env.VLPROMPT_FUSED_BLOCK === "0") return composedResidualBlock(x, block, heads, mask, select);
  if (!frozen) return differentiableResidualBlock(x, block, heads, mask, select);
  if (!hasTrainableWeights(block)) return frozenResidualBlock(x, block, heads, mask, select);
  return composedResidualBlock(x, block, heads, mask, select);
}

const trainable = (t: tf.Tensor) => t instanceof tf.Variable && t.trainable;

/** True when one of the block's weights is a trainable variable (it then needs its own gradient). */
export function hasTrainableWeights(block: BlockWeights): boolean {
  return weightList(block).some(trainable);
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
 * tokens, or one per sequence with a row selection). The last four only when the weights need gradients.
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
  readonly ln1Value?: tf.Tensor3D; // [batch, tokens, width]: ln_1(x), the qkv projection's input
  readonly merged?: tf.Tensor2D; // [batch * queries, width]: the out projection's input
  readonly ln2Value?: tf.Tensor3D; // [batch, queries, width]: the fc projection's input
  readonly geluValue?: tf.Tensor2D; // [batch * queries, 4 * width]: the proj projection's input
}
const inputSaved = ["ln1Normalized", "ln1Rstd", "query", "keyT", "values", "probs", "ln2Normalized", "ln2Rstd", "geluScaled", "geluGate"] as const;
const weightSaved = [...inputSaved, "ln1Value", "merged", "ln2Value", "geluValue"] as const;

/** The block's forward (the composed block's ops, in its order) and what its backward needs. */
function blockForward(input: tf.Tensor3D, block: BlockWeights, heads: number, mask?: tf.Tensor2D, select?: RowSelection) {
  const [batch, , width] = input.shape;
  const ln1 = layerNormParts(input, block.ln1.gamma, block.ln1.beta);
  const attention = attentionParts(ln1.value as tf.Tensor3D, block, heads, select ? select.mask : mask, select?.oneHot);
  const attended = tf.add(select ? tf.matMul(select.oneHot, input) : input, attention.output) as tf.Tensor3D;
  const queries = attended.shape[1]; // rows computed: all, or one per sequence
  const ln2 = layerNormParts(attended, block.ln2.gamma, block.ln2.beta);
  const gelu = quickGeluParts(linear2d(tf.reshape(ln2.value, [batch * queries, width]), block.fc));
  const saved: SavedBlock = {
    ...attention,
    ln1Normalized: ln1.normalized as tf.Tensor3D, ln1Rstd: ln1.rstd as tf.Tensor3D, ln1Value: ln1.value as tf.Tensor3D,
    ln2Normalized: ln2.normalized as tf.Tensor3D, ln2Rstd: ln2.rstd as tf.Tensor3D, ln2Value: ln2.value as tf.Tensor3D,
    geluScaled: gelu.scaled as tf.Tensor2D, geluGate: gelu.gate as tf.Tensor2D, geluValue: gelu.value as tf.Tensor2D,
  };
  const value = tf.add(attended, tf.reshape(linear2d(gelu.value as tf.Tensor2D, block.proj), [batch, queries, width]));
  return { value: value as tf.Tensor3D, saved };
}

/** A block's twelve weights in the order the differentiable op takes them (after x) and returns their gradients. */
export function weightList(block: BlockWeights): tf.Tensor[] {
  const { ln1, qkv, out, ln2, fc, proj } = block;
  return [ln1.gamma, ln1.beta, qkv.weightT, qkv.bias, out.weightT, out.bias, ln2.gamma, ln2.beta, fc.weightT, fc.bias, proj.weightT, proj.bias];
}

/** weightList's inverse. */
export function blockFromList([g1, b1, qkvW, qkvB, outW, outB, g2, b2, fcW, fcB, projW, projB]: tf.Tensor[]): BlockWeights {
  const linear = (weightT: tf.Tensor, bias: tf.Tensor) => ({ weightT: weightT as tf.Tensor2D, bias: bias as tf.Tensor1D });
  const norm = (gamma: tf.Tensor, beta: tf.Tensor) => ({ gamma: gamma as tf.Tensor1D, beta: beta as tf.Tensor1D });
  return { ln1: norm(g1!, b1!), qkv: linear(qkvW!, qkvB!), out: linear(outW!, outB!), ln2: norm(g2!, b2!), fc: linear(fcW!, fcB!), proj: linear(projW!, projB!) };
}

/**
 * One custom-gradient op over the block: input gradient only, or with `withWeights` the weights' too. Then the
 * weights are op inputs and saved with the activations (they may be temporaries of the caller's gradient closure,
 * like prepareWeights' transposes); frozen weights are a ClipModel's and outlive the backward pass.
 */
function blockOp(block: BlockWeights, heads: number, mask: tf.Tensor2D | undefined, select: RowSelection | undefined, withWeights: boolean) {
  const names = withWeights ? weightSaved : inputSaved;
  return tf.customGrad(((...args: tf.Tensor[]) => {
    const save = args.pop() as unknown as tf.GradSaveFunc;
    const { value, saved } = blockForward(args[0] as tf.Tensor3D, block, heads, mask, select);
    save([...names.map((name) => saved[name]!), ...(withWeights ? args.slice(1) : []), ...(select ? [select.oneHot] : [])]);
    return {
      value,
      gradFunc: (dy: tf.Tensor, tensors: tf.Tensor[]) => {
        const restored = Object.fromEntries(names.map((name, i) => [name, tensors[i]])) as unknown as SavedBlock;
        const weights = withWeights ? blockFromList(tensors.slice(names.length, names.length + 12)) : block;
        const oneHot = tensors[names.length + (withWeights ? 12 : 0)] as tf.Tensor3D | undefined;
        const { dx, chain } = blockBackward(dy as tf.Tensor3D, restored, weights, heads, oneHot);
        return withWeights ? [dx, ...weightGrads(chain, restored)] : dx;
      },
    };
  }) as any) as (...inputs: tf.Tensor[]) => tf.Tensor3D;
}

/**
 * x + attn(ln_1(x)), then + mlp(ln_2(x)) (only the selected rows with `select`), with an input-only
 * hand-written backward: the weights are constants.
 */
export function frozenResidualBlock(x: tf.Tensor3D, block: BlockWeights, heads: number, mask?: tf.Tensor2D, select?: RowSelection): tf.Tensor3D {
  return blockOp(block, heads, mask, select, false)(x);
}

/** The same block with a hand-written backward for the input and all twelve weights (pretraining). */
export function differentiableResidualBlock(x: tf.Tensor3D, block: BlockWeights, heads: number, mask?: tf.Tensor2D, select?: RowSelection): tf.Tensor3D {
  return blockOp(block, heads, mask, select, true)(x, ...weightList(block));
}

/** a . b with optional transposes, in the form that is fast on this backend. */
function product(a: tf.Tensor, b: tf.Tensor, transposeA: boolean, transposeB: boolean): tf.Tensor {
  if (transposeFlagsAreFast()) return tf.matMul(a as tf.Tensor3D, b as tf.Tensor3D, transposeA, transposeB);
  const swap = (t: tf.Tensor) => tf.transpose(t, [...Array(t.rank - 2).keys(), t.rank - 1, t.rank - 2]);
  return tf.matMul((transposeA ? swap(a) : a) as tf.Tensor3D, (transposeB ? swap(b) : b) as tf.Tensor3D);
}

/** Upstream gradients at each projection's output, which the weight gradients need. Rows flattened. */
interface BackwardChain {
  readonly dyRows: tf.Tensor2D; // [batch * queries, width]: at proj's output
  readonly dFc: tf.Tensor2D; // [batch * queries, 4 * width]: at fc's output
  readonly dLn2: tf.Tensor2D; // [batch * queries, width]: at ln_2's output
  readonly dAttended: tf.Tensor2D; // [batch * queries, width]: at the out projection's output
  readonly dQkv: tf.Tensor2D; // [batch * tokens, 3 * width]: at the qkv projection's output
  readonly dLn1: tf.Tensor2D; // [batch * tokens, width]: at ln_1's output
}

/** d(block)/dx [batch, tokens, width] for the upstream gradient dy [batch, queries, width]. */
function blockBackward(dy: tf.Tensor3D, saved: SavedBlock, block: BlockWeights, heads: number, oneHot?: tf.Tensor3D) {
  const [batch, queries, width] = dy.shape;
  const tokens = saved.ln1Normalized.shape[1];
  const dyRows = flat(dy, width);
  // MLP branch: out = attended + gelu(ln_2(attended) . fc) . proj
  const dGelu = product(dyRows, block.proj.weightT, false, true); // [batch * queries, 4 * width]
  const dFc = quickGeluInputGrad(dGelu, saved.geluScaled, saved.geluGate) as tf.Tensor2D;
  const dLn2 = product(dFc, block.fc.weightT, false, true) as tf.Tensor2D; // [batch * queries, width]
  const ln2Grad = layerNormInputGrad(dLn2, flat(saved.ln2Normalized, width), flat(saved.ln2Rstd, 1), block.ln2.gamma);
  const dAttended = tf.add(dyRows, ln2Grad) as tf.Tensor2D;
  // Attention branch: attended = x (its selected rows) + attn(ln_1(x))
  const shape = { batch, tokens, queries, heads, headDim: width / heads };
  const dQkv = attentionInputGrad(product(dAttended, block.out.weightT, false, true), saved, shape, oneHot);
  const dLn1 = product(dQkv, block.qkv.weightT, false, true) as tf.Tensor2D; // [batch * tokens, width]
  const ln1Grad = tf.reshape(layerNormInputGrad(dLn1, flat(saved.ln1Normalized, width), flat(saved.ln1Rstd, 1), block.ln1.gamma), [batch, tokens, width]);
  const residual = tf.reshape(dAttended, [batch, queries, width]);
  const dx = tf.add(ln1Grad, oneHot ? product(oneHot, residual, true, false) : residual) as tf.Tensor3D;
  return { dx, chain: { dyRows, dFc, dLn2, dAttended, dQkv, dLn1 } as BackwardChain };
}

const flat = (t: tf.Tensor, columns: number) => tf.reshape(t, [-1, columns]) as tf.Tensor2D;

/** Gradients of the twelve weights, in weightList's order: weightT = input^T . dOut, bias = column sums. */
function weightGrads(chain: BackwardChain, saved: SavedBlock): tf.Tensor[] {
  const { dyRows, dFc, dLn2, dAttended, dQkv, dLn1 } = chain;
  const width = dyRows.shape[1];
  const linearGrads = (input: tf.Tensor, dOut: tf.Tensor) => [product(flat(input, input.shape[input.rank - 1]!), dOut, true, false), tf.sum(dOut, 0)];
  const normGrads = (dOut: tf.Tensor, normalized: tf.Tensor) => [tf.sum(tf.mul(dOut, flat(normalized, width)), 0), tf.sum(dOut, 0)];
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
  const dProbs = product(dAttendedHeads, saved.values, false, true); // [b, h, q, t]
  const dScores = tf.mul(saved.probs, tf.sub(dProbs, tf.sum(tf.mul(dProbs, saved.probs), -1, true)));
  const dQuery = tf.mul(product(dScores, saved.keyT, false, true), 1 / Math.sqrt(headDim)); // d/d(unscaled q) [b, h, q, d]
  const dKey = product(dScores, saved.query, true, false); // [b, h, t, d]
  const fromHeads = (t: tf.Tensor, rows: number) => tf.reshape(tf.transpose(t, [0, 2, 1, 3]), [batch, rows, heads * headDim]);
  const dQ = oneHot ? product(oneHot, fromHeads(dQuery, queries), true, false) : fromHeads(dQuery, queries); // [b, t, w]
  const dQkv = tf.concat([dQ, fromHeads(dKey, tokens), fromHeads(dValues, tokens)], 2); // [b, t, 3w]
  return tf.reshape(dQkv, [batch * tokens, 3 * heads * headDim]) as tf.Tensor2D;
}
