// Public surface of src/train/optim: optimizers as composable gradient transformations (docs/optimizers.md).
export type { GradientTransformation, OptState, StepInfo, NamedTensors, UpdateResult } from "./types.js";
export { mapTensors, statelessTransform } from "./types.js";
export { chain, named, applyUpdates, addUpdates } from "./combine.js";
export {
  identity,
  scale,
  scaleBySchedule,
  scaleByLearningRate,
  addDecayedWeights,
  traceMomentum,
  scaleByAdam,
  clipByGlobalNorm,
  mapGradients,
} from "./transforms.js";
export type { MomentumOptions, AdamOptions as ScaleByAdamOptions, GradientFunction } from "./transforms.js";
export { sgd, adamw, adam } from "./aliases.js";
export type { SgdOptions, AdamWOptions, AdamOptions } from "./aliases.js";
export { createOptimizer } from "./optimizer.js";
export type { Optimizer, OptimizerSnapshot } from "./optimizer.js";
export { optimErrors } from "./errors.js";
