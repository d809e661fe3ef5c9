import * as tf from "@tensorflow/tfjs";
import type { BlockWeights, LayerNormWeights, Linear } from "./weights.js";

/** Building blocks of CLIP's transformer (openai/CLIP model.py), batch-first: x is [batch, tokens, width]. */

const LAYER_NORM_EPS = 1e-5;

/**
 * LayerNorm over the last axis, forward exactly as composed before ((x - mean) * rsqrt(var + eps) * gamma + beta),
 * with a hand-written backward: tfjs differentiates tf.moments in about 60 small kernels, this takes 12
 * (dx = rstd * (dxhat - mean(dxhat) - xhat * mean(dxhat * xhat)), dxhat = dy * gamma; dgamma, dbeta row sums).
 */
const layerNormOp = tf.customGrad(((x: tf.Tensor, gamma: tf.Tensor, beta: tf.Tensor, save: tf.GradSaveFunc) => {
  const { mean, variance } = tf.moments(x, -1, true);
  const rstd = tf.rsqrt(tf.add(variance, LAYER_NORM_EPS)); // [..., 1]
  const normalized = tf.mul(tf.sub(x, mean), rstd); // xhat [..., width]
  save([normalized, rstd, gamma]);
  return {
    value: tf.add(tf.mul(normalized, gamma), beta),
    gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
      const [xhat, invStd, scale] = saved as [tf.Tensor, tf.Tensor, tf.Tensor];
      const dxhat = tf.mul(dy, scale);
      const centred = tf.sub(dxhat, tf.mean(dxhat, -1, true));
      const dx = tf.mul(invStd, tf.sub(centred, tf.mul(xhat, tf.mean(tf.mul(dxhat, xhat), -1, true))));
      const rows = [...Array(dy.rank - 1).keys()]; // every axis but the last
      return [dx, tf.sum(tf.mul(dy, xhat), rows), tf.sum(dy, rows)];
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

/**
 * QuickGELU x * sigmoid(1.702 x) (forward as composed before) with a hand-written backward:
 * d/dx = s * (1 + 1.702 x (1 - s)), s = sigmoid(1.702 x); 5 kernels instead of tfjs's 18.
 */
const quickGeluOp = tf.customGrad(((x: tf.Tensor, save: tf.GradSaveFunc) => {
  const scaled = tf.mul(x, 1.702);
  const gate = tf.sigmoid(scaled);
  save([scaled, gate]);
  return {
    value: tf.mul(x, gate),
    gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
      const [ax, s] = saved as [tf.Tensor, tf.Tensor];
      return tf.mul(dy, tf.mul(s, tf.add(1, tf.mul(ax, tf.sub(1, s)))));
    },
  };
}) as any) as (x: tf.Tensor) => tf.Tensor;

export function quickGelu(x: tf.Tensor): tf.Tensor {
  return quickGeluOp(x);
}

/** Additive causal mask [tokens, tokens]: 0 on and below the diagonal, -inf above. */
export function causalMask(tokens: number): tf.Tensor2D {
  const lower = tf.linalg.bandPart(tf.ones([tokens, tokens]), -1, 0);
  return tf.where(tf.cast(lower, "bool"), tf.zerosLike(lower), tf.fill([tokens, tokens], -Infinity)) as tf.Tensor2D;
}

/** Multi-head self-attention as torch.nn.MultiheadAttention computes it (q scaled before q.k). */
function selfAttention(x: tf.Tensor3D, block: BlockWeights, heads: number, mask?: tf.Tensor2D): tf.Tensor3D {
  const [batch, tokens, width] = x.shape;
  const headDim = width / heads;
  const qkv = linear2d(tf.reshape(x, [batch * tokens, width]), block.qkv); // [batch*tokens, 3*width]
  const [q, k, v] = tf.split(qkv, 3, 1) as [tf.Tensor2D, tf.Tensor2D, tf.Tensor2D];
  const split = (t: tf.Tensor2D) => tf.reshape(t, [batch, tokens, heads, headDim]);
  const query = tf.mul(tf.transpose(split(q), [0, 2, 1, 3]), 1 / Math.sqrt(headDim)); // [b, h, t, d]
  const keyT = tf.transpose(split(k), [0, 2, 3, 1]); // [b, h, d, t]
  const value = tf.transpose(split(v), [0, 2, 1, 3]); // [b, h, t, d]
  let scores = tf.matMul(query as tf.Tensor4D, keyT as tf.Tensor4D); // [b, h, t, t]
  if (mask) scores = tf.add(scores, mask);
  const attended = tf.matMul(tf.softmax(scores, -1) as tf.Tensor4D, value as tf.Tensor4D); // [b, h, t, d]
  const merged = tf.reshape(tf.transpose(attended, [0, 2, 1, 3]), [batch * tokens, width]) as tf.Tensor2D;
  return tf.reshape(linear2d(merged, block.out), [batch, tokens, width]);
}

/** One pre-LN residual block: x + attn(ln_1(x)), then + mlp(ln_2(x)). */
export function residualBlock(x: tf.Tensor3D, block: BlockWeights, heads: number, mask?: tf.Tensor2D): tf.Tensor3D {
  const [batch, tokens, width] = x.shape;
  const attended = tf.add(x, selfAttention(layerNorm(x, block.ln1) as tf.Tensor3D, block, heads, mask)) as tf.Tensor3D;
  const normed = tf.reshape(layerNorm(attended, block.ln2), [batch * tokens, width]) as tf.Tensor2D;
  const hidden = quickGelu(linear2d(normed, block.fc)) as tf.Tensor2D;
  return tf.add(attended, tf.reshape(linear2d(hidden, block.proj), [batch, tokens, width])) as tf.Tensor3D;
}
