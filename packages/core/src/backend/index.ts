export { initBackend, currentBackend, backendNames } from "./select.js";
export type { BackendInfo, BackendOptions, BackendName } from "./select.js";
export { registerFastMatMulGradient } from "./fast-matmul-grad.js";
export { backendErrors } from "./errors.js";
