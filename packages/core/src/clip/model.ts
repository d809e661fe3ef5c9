import * as tf from "@tensorflow/tfjs";
import { readFile } from "node:fs/promises";
import { readSafetensors, type TensorMap } from "../tensor/safetensors.js";
import { tensorErrors } from "../tensor/errors.js";
import { configFromOpenAiJson, inferConfig, type ClipConfig, type OpenAiConfigJson } from "./config.js";
import { isHuggingFaceNaming, openAiFromHuggingFace } from "./hf-names.js";
import { prepareWeights, tensorsFromMap, weightTensors, type ClipWeights } from "./weights.js";

export interface LoadClipOptions {
  /** Sizes that cannot be inferred from shapes (head counts of widths that are not multiples of 64). */
  readonly config?: Partial<ClipConfig> | OpenAiConfigJson;
}

/**
 * A frozen CLIP backbone: config plus prepared weights. Owns its tensors; call dispose() when done. Its weights
 * are marked `frozen`: gradients flow to prompts and inputs, never to the weights (to fine-tune CLIP itself,
 * build weights from tf.variable tensors with `prepareWeights`, as pretraining does).
 */
export class ClipModel {
  private constructor(readonly weights: ClipWeights) {}

  get config(): ClipConfig {
    return this.weights.config;
  }

  /** Build from openai- or Hugging Face-named arrays (already read from a file). */
  static fromTensorMap(map: TensorMap, options: LoadClipOptions = {}): ClipModel {
    const openai = isHuggingFaceNaming(map) ? openAiFromHuggingFace(map) : map;
    const config = inferConfig(openai, normaliseConfig(options.config));
    const weights = tf.tidy(
      () => prepareWeights(tensorsFromMap(openai), config) as unknown as tf.TensorContainer,
    ) as unknown as ClipWeights;
    return new ClipModel({ ...weights, frozen: true });
  }

  /**
   * Load a safetensors checkpoint. Head counts come from `options.config`, else from the file's metadata
   * (`vlprompt.config` or `config` as openai-style JSON), else from a Hugging Face `config.json` beside it,
   * else from width / 64.
   */
  static async load(path: string, options: LoadClipOptions = {}): Promise<ClipModel> {
    const { tensors, metadata } = await readSafetensors(path);
    const fromFile = metadataConfig(metadata) ?? (await siblingHfConfig(path));
    return ClipModel.fromTensorMap(tensors, { config: { ...fromFile, ...normaliseConfig(options.config) } });
  }

  /** Number of scalar weights. */
  parameterCount(): number {
    return weightTensors(this.weights).reduce((n, t) => n + t.size, 0);
  }

  dispose(): void {
    tf.dispose(weightTensors(this.weights));
  }
}

function normaliseConfig(config: Partial<ClipConfig> | OpenAiConfigJson | undefined): Partial<ClipConfig> {
  if (!config) return {};
  const snake = Object.keys(config).some((k) => k.includes("_"));
  return snake ? configFromOpenAiJson(config as OpenAiConfigJson) : (config as Partial<ClipConfig>);
}

function metadataConfig(metadata: Record<string, string>): Partial<ClipConfig> | undefined {
  const raw = metadata["vlprompt.config"] ?? metadata.config;
  if (!raw) return undefined;
  try {
    return normaliseConfig(JSON.parse(raw));
  } catch {
    throw tensorErrors.make("VLP_WEIGHTS_CORRUPT", "the checkpoint's config metadata is not valid JSON");
  }
}

async function siblingHfConfig(path: string): Promise<Partial<ClipConfig> | undefined> {
  const candidate = path.replace(/[^/\\]+$/, "config.json");
  let json: { text_config?: { num_attention_heads?: number }; vision_config?: { num_attention_heads?: number } };
  try {
    json = JSON.parse(await readFile(candidate, "utf8"));
  } catch {
    return undefined;
  }
  const out: Record<string, number> = {};
  if (json.text_config?.num_attention_heads) out.textHeads = json.text_config.num_attention_heads;
  if (json.vision_config?.num_attention_heads) out.visionHeads = json.vision_config.num_attention_heads;
  return out as Partial<ClipConfig>;
}
