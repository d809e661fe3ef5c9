import type { NamedArray } from "../tensor/safetensors.js";
import { tensorErrors } from "../tensor/errors.js";

/** Sizes of a ViT CLIP, named as in openai/CLIP's build_model. */
export interface ClipConfig {
  readonly embedDim: number;
  readonly imageResolution: number;
  readonly visionLayers: number;
  readonly visionWidth: number;
  readonly visionHeads: number;
  readonly visionPatchSize: number;
  readonly contextLength: number;
  readonly vocabSize: number;
  readonly textWidth: number;
  readonly textHeads: number;
  readonly textLayers: number;
}

/** The openai JSON spelling (`transformer_width`, ...) as found in golden files and checkpoint metadata. */
export interface OpenAiConfigJson {
  embed_dim?: number;
  image_resolution?: number;
  vision_layers?: number;
  vision_width?: number;
  vision_heads?: number;
  vision_patch_size?: number;
  context_length?: number;
  vocab_size?: number;
  transformer_width?: number;
  transformer_heads?: number;
  transformer_layers?: number;
}

export function configFromOpenAiJson(json: OpenAiConfigJson): Partial<ClipConfig> {
  const out: Record<string, number> = {};
  const pairs: [keyof OpenAiConfigJson, keyof ClipConfig][] = [
    ["embed_dim", "embedDim"], ["image_resolution", "imageResolution"], ["vision_layers", "visionLayers"],
    ["vision_width", "visionWidth"], ["vision_heads", "visionHeads"], ["vision_patch_size", "visionPatchSize"],
    ["context_length", "contextLength"], ["vocab_size", "vocabSize"], ["transformer_width", "textWidth"],
    ["transformer_heads", "textHeads"], ["transformer_layers", "textLayers"],
  ];
  for (const [from, to] of pairs) if (typeof json[from] === "number") out[to] = json[from]!;
  return out as Partial<ClipConfig>;
}

function countBlocks(names: Iterable<string>, prefix: string): number {
  let layers = 0;
  for (const name of names) {
    const match = name.startsWith(prefix) ? /^(\d+)\./.exec(name.slice(prefix.length)) : null;
    if (match) layers = Math.max(layers, Number(match[1]) + 1);
  }
  return layers;
}

/**
 * Infer the config from openai-named tensor shapes, as build_model does (heads = width / 64). Widths that
 * are not multiples of 64 need `overrides` for the head counts (from the checkpoint's JSON or metadata).
 */
export function inferConfig(tensors: Map<string, NamedArray>, overrides: Partial<ClipConfig> = {}): ClipConfig {
  const shape = (name: string): number[] => {
    const t = tensors.get(name);
    if (!t) throw tensorErrors.make("VLP_WEIGHTS_MISSING_TENSOR", `tensor "${name}" is missing`);
    return t.shape;
  };
  const [visionWidth, , patch] = shape("visual.conv1.weight") as [number, number, number];
  const grid = Math.round(Math.sqrt(shape("visual.positional_embedding")[0]! - 1));
  const [contextLength, textWidth] = shape("positional_embedding") as [number, number];
  const inferred: ClipConfig = {
    embedDim: shape("text_projection")[1]!,
    imageResolution: grid * patch,
    visionLayers: countBlocks(tensors.keys(), "visual.transformer.resblocks."),
    visionWidth,
    visionHeads: Math.max(1, Math.floor(visionWidth / 64)),
    visionPatchSize: patch,
    contextLength,
    vocabSize: shape("token_embedding.weight")[0]!,
    textWidth,
    textHeads: Math.max(1, Math.floor(textWidth / 64)),
    textLayers: countBlocks(tensors.keys(), "transformer.resblocks."),
  };
  const config = { ...inferred, ...overrides };
  const headsGiven = { vision: overrides.visionHeads !== undefined, text: overrides.textHeads !== undefined };
  for (const [width, which] of [[config.visionWidth, "vision"], [config.textWidth, "text"]] as const) {
    if (width % 64 !== 0 && !headsGiven[which]) {
      throw tensorErrors.make("VLP_WEIGHTS_SHAPE", `${which} width ${width} is not a multiple of 64, so the head count cannot be inferred`, {
        fix: `pass it in the model config (${which === "text" ? "textHeads / transformer_heads" : "visionHeads / vision_heads"})`,
      });
    }
  }
  for (const [width, heads, which] of [[config.visionWidth, config.visionHeads, "vision"], [config.textWidth, config.textHeads, "text"]] as const) {
    if (width % heads !== 0) {
      throw tensorErrors.make("VLP_WEIGHTS_SHAPE", `${which} width ${width} is not divisible by ${heads} heads`, {
        fix: `pass the ${which} head count in the model config (e.g. { ${which === "text" ? "textHeads" : "visionHeads"}: N })`,
      });
    }
  }
  return config;
}
