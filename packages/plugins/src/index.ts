export { coop } from "./coop/index.js";
export { cocoop, CocoopLearner, cocoopOfficialNames, type CocoopOptions } from "./cocoop/index.js";
export { builtinMethods, registerBuiltinMethods } from "./builtin.js";
