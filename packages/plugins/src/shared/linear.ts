import * as tf from "@tensorflow/tfjs";
import { roundToHalf, torchLinearInit, variableFrom, type Rng } from "@vlprompt/core";

/** Initial values of a PyTorch nn.Linear(in, out): weight [out, in] (PyTorch layout), bias [out]. */
export interface LinearInit {
  readonly weight: Float32Array;
  readonly bias: Float32Array;
}

export function linearInit(rng: Rng, inDim: number, outDim: number, halfRounded = false): LinearInit {
  const { weight, bias } = torchLinearInit(rng, inDim, outDim);
  return halfRounded ? { weight: roundToHalf(weight), bias: roundToHalf(bias) } : { weight, bias };
}

/** Variables `${base}.weight` [out, in] and `${base}.bias` [out] (copies of the given values). */
export function linearVariables(base: string, init: LinearInit, inDim: number, outDim: number): Record<string, tf.Variable> {
  return {
    [`${base}.weight`]: variableFrom(`${base}.weight`, [outDim, inDim], Float32Array.from(init.weight)),
    [`${base}.bias`]: variableFrom(`${base}.bias`, [outDim], Float32Array.from(init.bias)),
  };
}

/** y = x Wᵀ + b for x [rows, in], W [out, in], b [out] -> [rows, out]. */
export function applyLinear(x: tf.Tensor, weight: tf.Tensor, bias: tf.Tensor): tf.Tensor2D {
  return tf.tidy(() => tf.add(tf.matMul(x as tf.Tensor2D, weight as tf.Tensor2D, false, true), bias) as tf.Tensor2D);
}
