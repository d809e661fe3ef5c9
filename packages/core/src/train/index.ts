// Public surface of src/train: optimizers and schedules (docs/optimizers.md), recipes, the Trainer, the feature
// cache and checkpoints (docs/training.md).
export * from "./optim/index.js";
export {
  constant,
  cosine,
  warmupCosine,
  dasslCosine,
  perStep,
  perEpoch,
  toSchedule,
  scheduleValueAt,
  learningRateAt,
} from "./schedule.js";
export type { Schedule, ScheduleLike, ScheduleUnit, LearningRate, CosineOptions, WarmupCosineOptions, DasslCosineOptions } from "./schedule.js";
export {
  recipePresets,
  recipePresetNames,
  getRecipePreset,
  presetEpochs,
  resolveRecipe,
  recipeDefaultsFor,
  checkRecipe,
  recipeSchedule,
  optimizerFromRecipe,
  dasslRecipe,
} from "./recipes.js";
export type { TrainRecipe, RecipePreset, ResolveRecipeOptions } from "./recipes.js";
export { Trainer, train, defaultCacheViews } from "./trainer.js";
export type {
  TrainerOptions,
  TrainingReport,
  TrainProgress,
  ValidationOptions,
  ValidationResult,
  CheckpointOptions,
} from "./trainer.js";
export type { TrainerHooks, StepContext, EpochMetrics, EvaluationEvent } from "./hooks.js";
export { FeatureCache, encodeDataset } from "./feature-cache.js";
export type { FeatureCacheOptions, EncodeOptions } from "./feature-cache.js";
export { saveCheckpoint, readCheckpoint, sidecarPath as checkpointSidecarPath, CHECKPOINT_FORMAT } from "./checkpoint.js";
export type { Checkpoint, CheckpointMeta } from "./checkpoint.js";
export { epochBatches, stepsPerEpoch, dropsLast } from "./sampler.js";
export { imagesAt, pixelsOf, labelsOf } from "./images.js";
export { trainErrors } from "./errors.js";
