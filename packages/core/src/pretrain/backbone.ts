import { existsSync, statSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { join } from "node:path";
import type { ClipConfig } from "../clip/config.js";
import { ClipModel } from "../clip/model.js";
import { loadBpeTokenizer, loadHfTokenizer, loadTokenizerJson, WordTokenizer, type Tokenizer } from "../clip/tokenizer.js";
import type { Backbone } from "../method/contract.js";
import { defineErrors } from "../errors.js";

export const backboneErrors = defineErrors({
  VLP_BACKBONE_MISSING: {
    summary: "The default backbone's files are not in the installation.",
    fix: "Reinstall @vlprompt/core, or retrain it with `vlprompt pretrain` (docs/backbone.md).",
  },
  VLP_PRETRAIN_OPTION: {
    summary: "A pretraining option is out of range (sampling weights, emoji share, scene probability).",
    fix: "Give one non-negative sampling weight per corpus pair, not all zero, an emoji share in (0, 1) or null, and a scene probability in [0, 1].",
  },
  VLP_BACKBONE_TOKENIZER: {
    summary: "The tokenizer given for a backbone is not a file vlprompt can read.",
    fix: "Give CLIP's bpe_simple_vocab_16e6.txt.gz, a Hugging Face tokenizer.json, a folder with vocab.json and merges.txt, or a words.json list.",
  },
});

/** Where the shipped default backbone lives (weights, vocabulary, training record). */
export const defaultBackboneDir = fileURLToPath(new URL("../../assets/default-backbone/", import.meta.url));

/** A backbone named in a manifest: "default", or CLIP weights plus their tokenizer. */
export type BackboneSource = "default" | { readonly weights: string; readonly tokenizer: string; readonly config?: Partial<ClipConfig> };

/** Load a word-level vocabulary saved as a JSON array of words (what the default backbone ships). */
export async function loadWordTokenizer(path: string): Promise<WordTokenizer> {
  const words = JSON.parse(await readFile(path, "utf8"));
  if (!Array.isArray(words)) throw backboneErrors.make("VLP_BACKBONE_TOKENIZER", `${path} is not a JSON array of words`);
  return WordTokenizer.fromWords(words);
}

/** Read any supported tokenizer file (or folder) by its name. */
export async function loadTokenizerFile(path: string): Promise<Tokenizer> {
  if (existsSync(path) && statSync(path).isDirectory()) return loadHfTokenizer(join(path, "vocab.json"), join(path, "merges.txt"));
  if (path.endsWith(".txt.gz")) return loadBpeTokenizer(path);
  if (path.endsWith("tokenizer.json")) return loadTokenizerJson(path);
  if (path.endsWith(".json")) return loadWordTokenizer(path);
  throw backboneErrors.make("VLP_BACKBONE_TOKENIZER", `cannot tell what kind of tokenizer ${path} is`);
}

/** Load a backbone: the shipped default, or user CLIP weights with a tokenizer. The caller disposes `model`. */
export async function loadBackbone(source: BackboneSource = "default"): Promise<Backbone & { readonly tokenizer: Tokenizer }> {
  if (source === "default") {
    const weights = join(defaultBackboneDir, "model.safetensors");
    if (!existsSync(weights)) throw backboneErrors.make("VLP_BACKBONE_MISSING", `no file at ${weights}`);
    const [model, tokenizer] = await Promise.all([ClipModel.load(weights), loadWordTokenizer(join(defaultBackboneDir, "vocab.json"))]);
    return { model, tokenizer, name: "default" };
  }
  const tokenizer = await loadTokenizerFile(source.tokenizer);
  const model = await ClipModel.load(source.weights, { config: source.config });
  return { model, tokenizer, name: source.weights };
}
