import * as tf from "@tensorflow/tfjs";
import type { ClipConfig } from "./config.js";
import type { TensorMap } from "../tensor/safetensors.js";
import { tensorErrors } from "../tensor/errors.js";

/** y = x @ weightT + bias, with the weight stored as [in, out] so the forward product needs no transpose. */
export interface Linear {
  readonly weightT: tf.Tensor2D; // [in, out]
  readonly bias: tf.Tensor1D; // [out]
}

export interface LayerNormWeights {
  readonly gamma: tf.Tensor1D;
  readonly beta: tf.Tensor1D;
}

export interface BlockWeights {
  readonly ln1: LayerNormWeights;
  readonly qkv: Linear; // [width, 3 * width], columns q | k | v
  readonly out: Linear; // [width, width]
  readonly ln2: LayerNormWeights;
  readonly fc: Linear; // [width, 4 * width]
  readonly proj: Linear; // [4 * width, width]
}

export interface VisionWeights {
  readonly patchT: tf.Tensor2D; // [3 * patch * patch, width], rows ordered (channel, y, x) like conv1.weight
  readonly classEmbedding: tf.Tensor1D; // [width]
  readonly positional: tf.Tensor2D; // [1 + grid^2, width]
  readonly lnPre: LayerNormWeights;
  readonly blocks: readonly BlockWeights[];
  readonly lnPost: LayerNormWeights;
  readonly projection: tf.Tensor2D; // [width, embed]
}

export interface TextWeights {
  readonly tokenEmbedding: tf.Tensor2D; // [vocab, width]
  readonly positional: tf.Tensor2D; // [context, width]
  readonly blocks: readonly BlockWeights[];
  readonly lnFinal: LayerNormWeights;
  readonly projection: tf.Tensor2D; // [width, embed]
}

/** CLIP weights in the layout the encoders use. Built from openai-named tensors by `prepareWeights`. */
export interface ClipWeights {
  readonly config: ClipConfig;
  readonly vision: VisionWeights;
  readonly text: TextWeights;
  readonly logitScale: tf.Scalar; // log of the temperature's inverse; logits use exp(logitScale)
  /**
   * No gradient is ever taken with respect to these weights (a ClipModel's frozen backbone): the transformer
   * blocks then differentiate their input only (clip/block.ts). Unset for weights built inside a gradient
   * closure or from trainable variables.
   */
  readonly frozen?: boolean;
}

/** openai-named tensors, as tf tensors (frozen weights or, for full fine-tuning, variables). */
export type OpenAiTensors = Record<string, tf.Tensor>;

export function tensorsFromMap(map: TensorMap): OpenAiTensors {
  const out: OpenAiTensors = {};
  for (const [name, t] of map) {
    if (name === "input_resolution" || name === "context_length" || name === "vocab_size") continue;
    out[name] = tf.tensor(t.data as Float32Array, t.shape, "float32");
  }
  return out;
}

function pick(tensors: OpenAiTensors, name: string, shape?: number[]): tf.Tensor {
  const t = tensors[name];
  if (!t) throw tensorErrors.make("VLP_WEIGHTS_MISSING_TENSOR", `tensor "${name}" is missing`);
  if (shape && (t.shape.length !== shape.length || t.shape.some((d, i) => d !== shape[i]))) {
    throw tensorErrors.make("VLP_WEIGHTS_SHAPE", `tensor "${name}" has shape [${t.shape}], expected [${shape}]`);
  }
  return t;
}

function linear(tensors: OpenAiTensors, prefix: string, inDim: number, outDim: number): Linear {
  const weight = pick(tensors, `${prefix}weight`, [outDim, inDim]) as tf.Tensor2D;
  return { weightT: tf.transpose(weight), bias: pick(tensors, `${prefix}bias`, [outDim]) as tf.Tensor1D };
}

function layerNorm(tensors: OpenAiTensors, prefix: string, width: number): LayerNormWeights {
  return {
    gamma: pick(tensors, `${prefix}weight`, [width]) as tf.Tensor1D,
    beta: pick(tensors, `${prefix}bias`, [width]) as tf.Tensor1D,
  };
}

function blocks(tensors: OpenAiTensors, prefix: string, layers: number, width: number): BlockWeights[] {
  return Array.from({ length: layers }, (_, i) => {
    const p = `${prefix}${i}.`;
    const inProj = pick(tensors, `${p}attn.in_proj_weight`, [3 * width, width]) as tf.Tensor2D;
    return {
      ln1: layerNorm(tensors, `${p}ln_1.`, width),
      qkv: { weightT: tf.transpose(inProj), bias: pick(tensors, `${p}attn.in_proj_bias`, [3 * width]) as tf.Tensor1D },
      out: linear(tensors, `${p}attn.out_proj.`, width, width),
      ln2: layerNorm(tensors, `${p}ln_2.`, width),
      fc: linear(tensors, `${p}mlp.c_fc.`, width, 4 * width),
      proj: linear(tensors, `${p}mlp.c_proj.`, 4 * width, width),
    };
  });
}

/**
 * Arrange openai-named tensors for the encoders. Only transposes and reshapes, so it is differentiable:
 * call it inside a gradient closure to get gradients in the openai layout. The returned weights share
 * nothing the caller must free except the new transposed tensors (dispose with `disposeWeights`).
 */
export function prepareWeights(tensors: OpenAiTensors, config: ClipConfig): ClipWeights {
  const { visionWidth: vw, textWidth: tw, visionPatchSize: p, embedDim } = config;
  const grid = config.imageResolution / p;
  const conv = pick(tensors, "visual.conv1.weight", [vw, 3, p, p]);
  return {
    config,
    vision: {
      patchT: tf.transpose(tf.reshape(conv, [vw, 3 * p * p])),
      classEmbedding: pick(tensors, "visual.class_embedding", [vw]) as tf.Tensor1D,
      positional: pick(tensors, "visual.positional_embedding", [1 + grid * grid, vw]) as tf.Tensor2D,
      lnPre: layerNorm(tensors, "visual.ln_pre.", vw),
      blocks: blocks(tensors, "visual.transformer.resblocks.", config.visionLayers, vw),
      lnPost: layerNorm(tensors, "visual.ln_post.", vw),
      projection: pick(tensors, "visual.proj", [vw, embedDim]) as tf.Tensor2D,
    },
    text: {
      tokenEmbedding: pick(tensors, "token_embedding.weight", [config.vocabSize, tw]) as tf.Tensor2D,
      positional: pick(tensors, "positional_embedding", [config.contextLength, tw]) as tf.Tensor2D,
      blocks: blocks(tensors, "transformer.resblocks.", config.textLayers, tw),
      lnFinal: layerNorm(tensors, "ln_final.", tw),
      projection: pick(tensors, "text_projection", [tw, embedDim]) as tf.Tensor2D,
    },
    logitScale: tf.reshape(pick(tensors, "logit_scale"), []) as tf.Scalar,
  };
}

/** Every tensor reachable from the prepared weights (for dispose and for counting parameters). */
export function weightTensors(weights: ClipWeights): tf.Tensor[] {
  const out: tf.Tensor[] = [];
  const walk = (value: unknown): void => {
    if (value instanceof tf.Tensor) out.push(value);
    else if (Array.isArray(value)) value.forEach(walk);
    else if (value && typeof value === "object") Object.values(value).forEach(walk);
  };
  walk({ ...weights, config: undefined });
  return out;
}
