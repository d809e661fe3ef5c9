export type { ClipConfig, OpenAiConfigJson } from "./config.js";
export { inferConfig, configFromOpenAiJson } from "./config.js";
export { ClipModel } from "./model.js";
export type { LoadClipOptions } from "./model.js";
export { prepareWeights, tensorsFromMap, weightTensors } from "./weights.js";
export type { ClipWeights, OpenAiTensors, Linear, BlockWeights, LayerNormWeights } from "./weights.js";
export { encodeImage, encodeText, embedTokens, embeddingLookup, clipLogits, l2Normalize } from "./encoders.js";
export type { TextInput, VisionPrompts, InjectionOptions } from "./prompts.js";
export { openAiFromHuggingFace, isHuggingFaceNaming } from "./hf-names.js";
