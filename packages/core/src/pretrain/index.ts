export { pretrainClip, saveClipWeights } from "./pretrain.js";
export type { PretrainCorpus, PretrainOptions, PretrainProgress, PretrainResult, CaptionTokenizer } from "./pretrain.js";
export { initClipWeights } from "./init.js";
