import type { NamedArray, TensorMap } from "../tensor/safetensors.js";
import { tensorErrors } from "../tensor/errors.js";

/**
 * Hugging Face CLIPModel key names -> openai key names. q/k/v projections are stacked back into in_proj,
 * the two projections are transposed back to [width, embed].
 */
const direct: [string, string][] = [
  ["text_model.embeddings.token_embedding.weight", "token_embedding.weight"],
  ["text_model.embeddings.position_embedding.weight", "positional_embedding"],
  ["text_model.final_layer_norm.weight", "ln_final.weight"],
  ["text_model.final_layer_norm.bias", "ln_final.bias"],
  ["vision_model.embeddings.class_embedding", "visual.class_embedding"],
  ["vision_model.embeddings.patch_embedding.weight", "visual.conv1.weight"],
  ["vision_model.embeddings.position_embedding.weight", "visual.positional_embedding"],
  ["vision_model.pre_layrnorm.weight", "visual.ln_pre.weight"],
  ["vision_model.pre_layrnorm.bias", "visual.ln_pre.bias"],
  ["vision_model.post_layernorm.weight", "visual.ln_post.weight"],
  ["vision_model.post_layernorm.bias", "visual.ln_post.bias"],
  ["logit_scale", "logit_scale"],
];

const blockParts: [string, string][] = [
  ["self_attn.out_proj.weight", "attn.out_proj.weight"],
  ["self_attn.out_proj.bias", "attn.out_proj.bias"],
  ["layer_norm1.weight", "ln_1.weight"],
  ["layer_norm1.bias", "ln_1.bias"],
  ["layer_norm2.weight", "ln_2.weight"],
  ["layer_norm2.bias", "ln_2.bias"],
  ["mlp.fc1.weight", "mlp.c_fc.weight"],
  ["mlp.fc1.bias", "mlp.c_fc.bias"],
  ["mlp.fc2.weight", "mlp.c_proj.weight"],
  ["mlp.fc2.bias", "mlp.c_proj.bias"],
];

export function isHuggingFaceNaming(tensors: TensorMap): boolean {
  return tensors.has("text_model.embeddings.token_embedding.weight");
}

function transpose2d(t: NamedArray): NamedArray {
  const [rows, cols] = t.shape as [number, number];
  const out = new Float32Array(rows * cols);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) out[c * rows + r] = t.data[r * cols + c]!;
  return { ...t, shape: [cols, rows], data: out };
}

function stack(parts: NamedArray[]): NamedArray {
  const total = parts.reduce((n, p) => n + p.data.length, 0);
  const out = new Float32Array(total);
  let at = 0;
  for (const part of parts) {
    out.set(part.data, at);
    at += part.data.length;
  }
  const shape = [...parts[0]!.shape];
  shape[0] = parts.reduce((n, p) => n + p.shape[0]!, 0);
  return { ...parts[0]!, shape, data: out };
}

export function openAiFromHuggingFace(hf: TensorMap): TensorMap {
  const need = (name: string): NamedArray => {
    const t = hf.get(name);
    if (!t) throw tensorErrors.make("VLP_WEIGHTS_MISSING_TENSOR", `Hugging Face tensor "${name}" is missing`);
    return t;
  };
  const out: TensorMap = new Map();
  for (const [from, to] of direct) out.set(to, need(from));
  out.set("text_projection", transpose2d(need("text_projection.weight")));
  out.set("visual.proj", transpose2d(need("visual_projection.weight")));
  for (const [tower, target] of [["text_model", "transformer"], ["vision_model", "visual.transformer"]] as const) {
    for (let i = 0; hf.has(`${tower}.encoder.layers.${i}.layer_norm1.weight`); i++) {
      const from = `${tower}.encoder.layers.${i}.`;
      const to = `${target}.resblocks.${i}.`;
      for (const [a, b] of blockParts) out.set(to + b, need(from + a));
      for (const kind of ["weight", "bias"]) {
        const qkv = ["q", "k", "v"].map((p) => need(`${from}self_attn.${p}_proj.${kind}`));
        out.set(`${to}attn.in_proj_${kind}`, stack(qkv));
      }
    }
  }
  return out;
}
