import * as tf from "@tensorflow/tfjs";
import { blockBackward, weightGrads, type SavedBlock } from "./block-backward.js";
import { attentionFromQkv, fusedAttention, layerNorm, layerNormParts, linear2d, quickGelu, quickGeluParts, type AttentionParts } from "./layers.js";
import { gatherPacked, packRows, scatterPadded, unpackRows, type RowPacking } from "./packing.js";
import type { BlockWeights, LayerNormWeights } from "./weights.js";

/**
 * Only some rows of a block's output are read (the last block: CLIP pools the EOT or class token), so only those
 * rows need a query, an out projection and an MLP; keys and values still come from every row. `oneHot`
 * [batch, 1, tokens] picks one row per sequence; `mask` [batch, 1, 1, tokens] is that row of the attention mask.
 */
export interface RowSelection {
  readonly oneHot: tf.Tensor3D;
  readonly mask?: tf.Tensor4D;
}

export interface BlockOptions {
  /** Additive attention mask [tokens, tokens] (the text encoder's causal mask). */
  readonly mask?: tf.Tensor2D;
  /** Compute only these rows of the output (the last block: the rows CLIP pools). */
  readonly select?: RowSelection;
  /** Run the per-row work on the valid rows of variable-length sequences only (the text encoder). */
  readonly packing?: RowPacking | null;
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
  if (process.env.VLPROMPT_FUSED_BLOCK === "0") return composedResidualBlock(x, block, heads, options);
  if (!options.frozen) return differentiableResidualBlock(x, block, heads, options);
  if (!hasTrainableWeights(block)) return frozenResidualBlock(x, block, heads, options);
  return composedResidualBlock(x, block, heads, options);
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
  rows.forEach((row, s) => void (oneHot[s * tokens + row] = 1));
  const selection = { oneHot: tf.tensor3d(oneHot, [rows.length, 1, tokens]) };
  if (!causal) return selection;
  const mask = new Float32Array(rows.length * tokens);
  rows.forEach((row, s) => mask.fill(-Infinity, s * tokens + row + 1, (s + 1) * tokens));
  return { ...selection, mask: tf.tensor4d(mask, [rows.length, 1, 1, tokens]) };
}

/** The row-wise pieces of the forward: differentiable ops for the composed block, plain parts inside the op. */
interface RowOps {
  layerNorm(x: tf.Tensor, weights: LayerNormWeights): { value: tf.Tensor; normalized?: tf.Tensor; rstd?: tf.Tensor };
  quickGelu(x: tf.Tensor): { value: tf.Tensor; scaled?: tf.Tensor; gate?: tf.Tensor };
  pack(x: tf.Tensor2D, packing: RowPacking): tf.Tensor2D;
  unpack(x: tf.Tensor2D, packing: RowPacking): tf.Tensor2D;
  attention: typeof attentionFromQkv;
}
const autodiffOps: RowOps = {
  layerNorm: (x, w) => ({ value: layerNorm(x, w) }), quickGelu: (x) => ({ value: quickGelu(x) }), pack: packRows, unpack: unpackRows, attention: attentionFromQkv,
};
const partsOps: RowOps = {
  layerNorm: (x, w) => layerNormParts(x, w.gamma, w.beta), quickGelu: quickGeluParts, pack: gatherPacked, unpack: scatterPadded,
  // The fused kernel where the backend has it, except for a row selection (the last block), which stays composed.
  attention: (qkv, batch, heads, mask, queryRows): AttentionParts =>
    (!queryRows && fusedAttention(qkv, batch, heads, mask)) || attentionFromQkv(qkv, batch, heads, mask, queryRows),
};

/**
 * x + attn(ln_1(x)), then + mlp(ln_2(x)), and what the backward needs. Rows are flattened: the block's "rows" are
 * every token, the valid tokens (with packing) or one per sequence (with a selection); attention alone runs on the
 * padded [batch, tokens] layout. Returns [batch, tokens, width], or [batch, 1, width] with a selection.
 */
function blockForward(x: tf.Tensor3D, block: BlockWeights, heads: number, options: BlockOptions, ops: RowOps) {
  const { mask, select, packing } = options;
  const [batch, tokens, width] = x.shape;
  const allRows = tf.reshape(x, [batch * tokens, width]) as tf.Tensor2D;
  const inRows = packing ? ops.pack(allRows, packing) : allRows; // [rows, width]
  const ln1 = ops.layerNorm(inRows, block.ln1);
  const qkvRows = linear2d(ln1.value as tf.Tensor2D, block.qkv); // [rows, 3 * width]
  const qkv = packing ? ops.unpack(qkvRows, packing) : qkvRows; // [batch * tokens, 3 * width]
  const attention = ops.attention(qkv, batch, heads, select ? select.mask : mask, select?.oneHot);
  const residual = select ? (tf.reshape(tf.matMul(select.oneHot, x), [batch, width]) as tf.Tensor2D) : inRows;
  const merged = packing && !select ? ops.pack(attention.merged, packing) : attention.merged; // [out rows, width]
  const attended = tf.add(residual, linear2d(merged, block.out)) as tf.Tensor2D;
  const ln2 = ops.layerNorm(attended, block.ln2);
  const gelu = ops.quickGelu(linear2d(ln2.value as tf.Tensor2D, block.fc));
  const outRows = tf.add(attended, linear2d(gelu.value as tf.Tensor2D, block.proj)) as tf.Tensor2D;
  const value = select ? outRows : packing ? ops.unpack(outRows, packing) : outRows;
  const saved = {
    ...attention, merged,
    ln1Normalized: ln1.normalized, ln1Rstd: ln1.rstd, ln1Value: ln1.value,
    ln2Normalized: ln2.normalized, ln2Rstd: ln2.rstd, ln2Value: ln2.value,
    geluScaled: gelu.scaled, geluGate: gelu.gate, geluValue: gelu.value,
  } as SavedBlock;
  return { value: tf.reshape(value, [batch, select ? 1 : tokens, width]) as tf.Tensor3D, saved };
}

/** One pre-LN residual block, composed of differentiable ops; tfjs differentiates it (weights included). */
export function composedResidualBlock(x: tf.Tensor3D, block: BlockWeights, heads: number, options: BlockOptions = {}): tf.Tensor3D {
  return blockForward(x, block, heads, options, autodiffOps).value;
}

/** What the backward reads (attention's query, keyT and values, or qkv: whichever its forward made). */
const inputSaved = ["ln1Normalized", "ln1Rstd", "query", "keyT", "values", "qkv", "probs", "ln2Normalized", "ln2Rstd", "geluScaled", "geluGate"] as const;
const weightSaved = [...inputSaved, "ln1Value", "merged", "ln2Value", "geluValue"] as const;

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
 * One custom-gradient op over the block: input gradient only, or with `withWeights` the weights' too. The op
 * saves the activations, the selection and packing tensors (temporaries of the encoder), and with `withWeights`
 * the weights (they may be temporaries of the caller's gradient closure, like prepareWeights' transposes);
 * frozen weights are a ClipModel's and outlive the backward pass.
 */
function blockOp(block: BlockWeights, heads: number, options: BlockOptions, withWeights: boolean) {
  const { select, packing } = options;
  return tf.customGrad(((...args: tf.Tensor[]) => {
    const save = args.pop() as unknown as tf.GradSaveFunc;
    const { value, saved } = blockForward(args[0] as tf.Tensor3D, block, heads, options, partsOps);
    const names = (withWeights ? weightSaved : inputSaved).filter((name) => saved[name] !== undefined);
    const extras = [...(select ? [select.oneHot] : []), ...(packing ? [packing.packed, packing.padded] : [])];
    save([...names.map((name) => saved[name]!), ...(withWeights ? args.slice(1) : []), ...extras]);
    return {
      value,
      gradFunc: (dy: tf.Tensor, tensors: tf.Tensor[]) => {
        const restored = Object.fromEntries(names.map((name, i) => [name, tensors[i]])) as unknown as SavedBlock;
        const weights = withWeights ? blockFromList(tensors.slice(names.length, names.length + 12)) : block;
        let next = names.length + (withWeights ? 12 : 0);
        const oneHot = select ? (tensors[next++] as tf.Tensor3D) : undefined;
        const rows = packing ? { packed: tensors[next] as tf.Tensor1D, padded: tensors[next + 1] as tf.Tensor1D, rows: packing.rows } : undefined;
        const { dx, chain } = blockBackward(dy as tf.Tensor3D, restored, weights, { heads, oneHot, packing: rows });
        return withWeights ? [dx, ...weightGrads(chain, restored)] : dx;
      },
    };
  }) as any) as (...inputs: tf.Tensor[]) => tf.Tensor3D;
}

/** The block with an input-only hand-written backward: the weights are constants. */
export function frozenResidualBlock(x: tf.Tensor3D, block: BlockWeights, heads: number, options: BlockOptions = {}): tf.Tensor3D {
  return blockOp(block, heads, options, false)(x);
}

/** The same block with a hand-written backward for the input and all twelve weights (pretraining). */
export function differentiableResidualBlock(x: tf.Tensor3D, block: BlockWeights, heads: number, options: BlockOptions = {}): tf.Tensor3D {
  return blockOp(block, heads, options, true)(x, ...weightList(block));
}
