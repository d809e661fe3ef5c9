export { coop } from "./coop/index.js";
export { cocoop, CocoopLearner, cocoopOfficialNames, type CocoopOptions } from "./cocoop/index.js";
export { builtinMethods, registerBuiltinMethods } from "./builtin.js";
export { vpt, VptLearner, handCraftedTextFeatures, vptOfficialName, type VptOptions } from "./vpt/index.js";
export { maple, MapleLearner, mapleOfficialName, type MapleOptions } from "./maple/index.js";
export { ivlp, IvlpLearner, ivlpOfficialName, type IvlpOptions } from "./ivlp/index.js";
