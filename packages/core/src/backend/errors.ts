import { defineErrors } from "../errors.js";

export const backendErrors = defineErrors({
  VLP_BACKEND_UNKNOWN: {
    summary: "The requested tensor backend name is not one vlprompt knows.",
    fix: 'Use one of "auto", "tensorflow", "webgpu", "wasm", "cpu" (option `backend` or env VLPROMPT_BACKEND).',
  },
  VLP_BACKEND_UNAVAILABLE: {
    summary: "The explicitly requested backend could not be initialised on this machine.",
    fix: 'Install its package (see docs/backends.md) or use backend "auto" to fall back automatically.',
  },
});
