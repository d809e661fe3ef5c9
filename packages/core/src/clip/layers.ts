import * as tf from "@tensorflow/tfjs";
import { rowKernelNames, rowKernelsActive } from "../backend/native-rows.js";
import type { BlockWeights, LayerNormWeights, Linear } from "./weights.js";

/** Building blocks of CLIP's transformer (openai/CLIP model.py), batch-first: x is [batch, tokens, width]. */

const LAYER_NORM_EPS = 1e-5;

/** A fused native kernel's outputs (backend/native-rows.ts). */
function runFused(name: string, inputs: Record<string, tf.Tensor>, attrs: Record<string, number> = {}): tf.Tensor[] {
  const out = tf.engine().runKernel(name, inputs as unknown as tf.NamedTensorMap, attrs as unknown as tf.NamedAttrMap);
  return Array.isArray(out) ? out : [out as tf.Tensor];
}

/** runFused on backends that have the kernels (and they are on) for float32 inputs; null elsewhere. */
function fused(name: string, inputs: Record<string, tf.Tensor>, attrs: Record<string, number> = {}): tf.Tensor[] | null {
  if (!rowKernelsActive() || Object.values(inputs).some((t) => t.dtype !== "float32")) return null;
  return runFused(name, inputs, attrs);
}

/**
 * LayerNorm's forward ((x - mean) * rsqrt(var + eps) * gamma + beta) and what its backward needs. One fused kernel
 * where the backend has it (no tfjs gradient: call it inside a custom-gradient op), else composed tfjs ops.
 */
export function layerNormParts(x: tf.Tensor, gamma: tf.Tensor, beta: tf.Tensor): { value: tf.Tensor; normalized: tf.Tensor; rstd: tf.Tensor } {
  const kernel = fused(rowKernelNames.layerNorm, { x, gamma, beta }, { epsilon: LAYER_NORM_EPS });
  if (kernel) return { value: kernel[0]!, normalized: kernel[1]!, rstd: kernel[2]! };
  // tf.moments's arithmetic without its float32 cast (a copy on wasm), and x - mean computed once.
  const centred = tf.sub(x, tf.mean(x, -1, true)); // [..., width]
  const variance = tf.mean(tf.square(centred), -1, true);
  const rstd = tf.rsqrt(tf.add(variance, LAYER_NORM_EPS)); // [..., 1]
  const normalized = tf.mul(centred, rstd); // xhat [..., width]
  return { value: tf.add(tf.mul(normalized, gamma), beta), normalized, rstd };
}

/** LayerNorm's input gradient: rstd * (dxhat - mean(dxhat) - xhat * mean(dxhat * xhat)), dxhat = dy * gamma. */
export function layerNormInputGrad(dy: tf.Tensor, normalized: tf.Tensor, rstd: tf.Tensor, gamma: tf.Tensor): tf.Tensor {
  const kernel = fused(rowKernelNames.layerNormGrad, { dy, normalized, rstd, gamma });
  if (kernel) return kernel[0]!;
  const dxhat = tf.mul(dy, gamma);
  const centred = tf.sub(dxhat, tf.mean(dxhat, -1, true));
  return tf.mul(rstd, tf.sub(centred, tf.mul(normalized, tf.mean(tf.mul(dxhat, normalized), -1, true))));
}

/**
 * LayerNorm over the last axis, forward exactly as composed before, with a hand-written backward: tfjs
 * differentiates tf.moments in about 60 small kernels, this takes 12 (dgamma, dbeta are row sums).
 */
const layerNormOp = tf.customGrad(((x: tf.Tensor, gamma: tf.Tensor, beta: tf.Tensor, save: tf.GradSaveFunc) => {
  const { value, normalized, rstd } = layerNormParts(x, gamma, beta);
  save([normalized, rstd, gamma]);
  return {
    value,
    gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
      const [xhat, invStd, scale] = saved as [tf.Tensor, tf.Tensor, tf.Tensor];
      const rows = [...Array(dy.rank - 1).keys()]; // every axis but the last
      return [layerNormInputGrad(dy, xhat, invStd, scale), tf.sum(tf.mul(dy, xhat), rows), tf.sum(dy, rows)];
    },
  };
}) as any) as (x: tf.Tensor, gamma: tf.Tensor, beta: tf.Tensor) => tf.Tensor;

export function layerNorm(x: tf.Tensor, { gamma, beta }: LayerNormWeights): tf.Tensor {
  return layerNormOp(x, gamma, beta);
}

/** x [rows, in] -> [rows, out]. */
export function linear2d(x: tf.Tensor2D, { weightT, bias }: Linear): tf.Tensor2D {
  return tf.add(tf.matMul(x, weightT), bias);
}

/** QuickGELU's forward x * sigmoid(1.702 x) and what its backward needs (fused where the backend has it). */
export function quickGeluParts(x: tf.Tensor): { value: tf.Tensor; scaled: tf.Tensor; gate: tf.Tensor } {
  const kernel = fused(rowKernelNames.quickGelu, { x });
  if (kernel) return { value: kernel[0]!, scaled: kernel[1]!, gate: kernel[2]! };
  const scaled = tf.mul(x, 1.702);
  const gate = tf.sigmoid(scaled);
  return { value: tf.mul(x, gate), scaled, gate };
}

/** QuickGELU's input gradient: dy * s * (1 + 1.702 x (1 - s)), s = sigmoid(1.702 x). */
export function quickGeluInputGrad(dy: tf.Tensor, scaled: tf.Tensor, gate: tf.Tensor): tf.Tensor {
  const kernel = fused(rowKernelNames.quickGeluGrad, { dy, scaled, gate });
  if (kernel) return kernel[0]!;
  return tf.mul(dy, tf.mul(gate, tf.add(1, tf.mul(scaled, tf.sub(1, gate)))));
}

/** QuickGELU (forward as composed before) with a hand-written backward: 5 kernels instead of tfjs's 18. */
const quickGeluOp = tf.customGrad(((x: tf.Tensor, save: tf.GradSaveFunc) => {
  const { value, scaled, gate } = quickGeluParts(x);
  save([scaled, gate]);
  return {
    value,
    gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => quickGeluInputGrad(dy, saved[0]!, saved[1]!),
  };
}) as any) as (x: tf.Tensor) => tf.Tensor;

export function quickGelu(x: tf.Tensor): tf.Tensor {
  return quickGeluOp(x);
}

/** Additive causal mask [tokens, tokens]: 0 on and below the diagonal, -inf above (one upload, not ~45 kernels). */
export function causalMask(tokens: number): tf.Tensor2D {
  const mask = new Float32Array(tokens * tokens);
  for (let row = 0; row < tokens; row++) mask.fill(-Infinity, row * tokens + row + 1, (row + 1) * tokens);
  return tf.tensor2d(mask, [tokens, tokens]);
}

/**
 * What attention's backward needs: the softmax [b, h, q, t], and q (scaled) and v as [b, h, t, d], k as
 * [b, h, d, t] (composed), or the qkv rows the fused kernel read its heads from.
 */
export interface AttentionParts {
  readonly merged: tf.Tensor2D; // [batch * queries, width]: the heads merged, the out projection's input
  readonly probs: tf.Tensor4D;
  readonly query?: tf.Tensor4D;
  readonly keyT?: tf.Tensor4D;
  readonly values?: tf.Tensor4D;
  readonly qkv?: tf.Tensor2D; // [batch * tokens, 3 * width]
}

/**
 * attentionFromQkv without a row selection as one fused kernel, where the backend has it (no tfjs gradient: call
 * it inside a custom-gradient op); null elsewhere.
 */
export function fusedAttention(qkv: tf.Tensor2D, batch: number, heads: number, mask?: tf.Tensor): AttentionParts | null {
  if ((mask && mask.rank !== 2) || qkv.shape[0] === 0) return null; // an empty batch: the composed ops handle it
  const kernel = fused(rowKernelNames.attention, mask ? { qkv, mask } : { qkv }, { batch, heads });
  return kernel ? { merged: kernel[0] as tf.Tensor2D, probs: kernel[1] as tf.Tensor4D, qkv } : null;
}

/**
 * fusedAttention's input gradient: d(qkv) [batch * tokens, 3 * width] from d(merged) [batch * tokens, width]. The
 * forward chose the kernel, so the backward runs it whatever VLPROMPT_NATIVE_ROWS says now.
 */
export function fusedAttentionGrad(dMerged: tf.Tensor2D, qkv: tf.Tensor2D, probs: tf.Tensor4D, heads: number): tf.Tensor2D {
  return runFused(rowKernelNames.attentionGrad, { dMerged, qkv, probs }, { batch: probs.shape[0], heads })[0] as tf.Tensor2D;
}

/**
 * Multi-head self-attention as torch.nn.MultiheadAttention computes it (q scaled before q.k), from the qkv
 * projection [batch * tokens, 3 * width] (columns q | k | v) up to the merged heads (the out projection is the
 * caller's). With `queryRows` [batch, queries, tokens] (one-hot) only those rows attend.
 */
export function attentionFromQkv(qkv: tf.Tensor2D, batch: number, heads: number, mask?: tf.Tensor, queryRows?: tf.Tensor3D): AttentionParts {
  const width = qkv.shape[1] / 3;
  const tokens = qkv.shape[0] / batch;
  const headDim = width / heads;
  const queries = queryRows ? queryRows.shape[1] : tokens;
  const [q, k, v] = tf.split(qkv, 3, 1) as [tf.Tensor2D, tf.Tensor2D, tf.Tensor2D];
  const selected = queryRows ? tf.matMul(queryRows, tf.reshape(q, [batch, tokens, width])) : q; // [b, queries, w]
  const split = (t: tf.Tensor, rows: number) => tf.reshape(t, [batch, rows, heads, headDim]);
  const query = tf.mul(tf.transpose(split(selected, queries), [0, 2, 1, 3]), 1 / Math.sqrt(headDim)) as tf.Tensor4D; // [b, h, q, d]
  const keyT = tf.transpose(split(k, tokens), [0, 2, 3, 1]) as tf.Tensor4D; // [b, h, d, t]
  const values = tf.transpose(split(v, tokens), [0, 2, 1, 3]) as tf.Tensor4D; // [b, h, t, d]
  let scores = tf.matMul(query, keyT); // [b, h, q, t]
  if (mask) scores = tf.add(scores, mask);
  const probs = tf.softmax(scores, -1) as tf.Tensor4D;
  const attended = tf.matMul(probs, values); // [b, h, q, d]
  const merged = tf.reshape(tf.transpose(attended, [0, 2, 1, 3]), [batch * queries, width]) as tf.Tensor2D;
  return { merged, query, keyT, values, probs };
}
