export { pretrainClip, saveClipWeights } from "./pretrain.js";
export type { PretrainCorpus, PretrainOptions, PretrainProgress, PretrainResult, CaptionTokenizer } from "./pretrain.js";
export { initClipWeights } from "./init.js";
export { loadBackbone, loadTokenizerFile, loadWordTokenizer, defaultBackboneDir, backboneErrors } from "./backbone.js";
export type { BackboneSource } from "./backbone.js";
export { defaultBackboneConfig, captionVocabulary } from "./default-backbone.js";
export { pretrainDefaultBackbone, corpusHash, emojiWeights, defaultPretrainRecipe } from "./run-default.js";
export type { PretrainDefaultOptions, PretrainRecipe } from "./run-default.js";
