export { Rng } from "./rng.js";
export { readSafetensors, parseSafetensors, encodeSafetensors, writeSafetensors } from "./safetensors.js";
export type { NamedArray, TensorMap, TensorToWrite } from "./safetensors.js";
export { floatToHalfBits, halfBitsToFloat, roundToHalf } from "./half.js";
export { compareArrays } from "./compare.js";
export type { CloseReport } from "./compare.js";
export { tensorErrors } from "./errors.js";
