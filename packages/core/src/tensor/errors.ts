import { defineErrors } from "../errors.js";

export const tensorErrors = defineErrors({
  VLP_WEIGHTS_NOT_FOUND: {
    summary: "A weights file does not exist or cannot be read.",
    fix: "Check the path (relative paths resolve from the current directory or the manifest's folder).",
  },
  VLP_WEIGHTS_CORRUPT: {
    summary: "A safetensors file is malformed or truncated.",
    fix: "Re-export or re-download the file; its header or data section does not match the safetensors format.",
  },
  VLP_WEIGHTS_DTYPE: {
    summary: "A tensor in a weights file has a data type vlprompt cannot read.",
    fix: "Convert the file to F32, F16, BF16, F64, I64, I32, I16, I8, U8 or BOOL tensors.",
  },
  VLP_WEIGHTS_MISSING_TENSOR: {
    summary: "A tensor the model needs is not in the weights file.",
    fix: "Check that the file is a CLIP checkpoint with OpenAI or Hugging Face key names.",
  },
  VLP_WEIGHTS_SHAPE: {
    summary: "A tensor in a weights file has a shape that does not fit the model.",
    fix: "Check that every tensor comes from the same CLIP checkpoint.",
  },
});
