import "reflect-metadata";

export * from "./errors.js";
export * from "./backend/index.js";
export * from "./tensor/index.js";
export * from "./clip/index.js";
export * from "./method/index.js";
export * from "./train/index.js";
export * from "./eval/index.js";
export * from "./data/index.js";
export * from "./gram/index.js";
export * from "./experiment/index.js";
export * from "./pretrain/index.js";
export { renderErrorsPage } from "./errors-doc.js";
