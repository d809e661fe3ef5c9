import * as tf from "@tensorflow/tfjs";
import type { BlockWeights, LayerNormWeights, Linear } from "./weights.js";

/** Building blocks of CLIP's transformer (openai/CLIP model.py), batch-first: x is [batch, tokens, width]. */

const LAYER_NORM_EPS = 1e-5;

export function layerNorm(x: tf.Tensor, { gamma, beta }: LayerNormWeights): tf.Tensor {
  const { mean, variance } = tf.moments(x, -1, true);
  return tf.add(tf.mul(tf.mul(tf.sub(x, mean), tf.rsqrt(tf.add(variance, LAYER_NORM_EPS))), gamma), beta);
}

/** x [rows, in] -> [rows, out]. */
export function linear2d(x: tf.Tensor2D, { weightT, bias }: Linear): tf.Tensor2D {
  return tf.add(tf.matMul(x, weightT), bias);
}

export function quickGelu(x: tf.Tensor): tf.Tensor {
  return tf.mul(x, tf.sigmoid(tf.mul(x, 1.702)));
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
