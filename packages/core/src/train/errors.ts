import { defineErrors } from "../errors.js";

/** Coded errors of the training engine (src/train: recipes, trainer, feature cache, checkpoints). */
export const trainErrors = defineErrors({
  VLP_TRAIN_NON_FINITE_LOSS: {
    summary: "The training loss became NaN or Inf, so the run was stopped.",
    fix: "Lower the learning rate, check the method's extra loss terms and its initialisation, or add gradient clipping; the message names the epoch, the step and the parameter groups whose gradients are not finite.",
  },
  VLP_TRAIN_BAD_RECIPE: {
    summary: "A training recipe has an invalid value.",
    fix: "Epochs, batch sizes and warm-up epochs are integers (epochs and batch sizes >= 1); learning rates are finite and > 0; momentum is in [0, 1).",
  },
  VLP_TRAIN_UNKNOWN_PRESET: {
    summary: "No training recipe preset has this name.",
    fix: "Use one of the presets listed in docs/training.md (coop, coop-b2n, cocoop, vpt, maple, maple-xd, ivlp and their -small variants).",
  },
  VLP_TRAIN_EMPTY_DATASET: {
    summary: "The training set has no images.",
    fix: "Check the dataset name, split and shot count; every class needs at least one training image.",
  },
  VLP_TRAIN_CHECKPOINT: {
    summary: "A checkpoint could not be read or does not fit the learner or optimizer it is loaded into.",
    fix: "Resume or evaluate with the method, options and recipe that wrote the checkpoint, or delete the run folder to start over.",
  },
  VLP_TRAIN_ABORTED: {
    summary: "Training was interrupted.",
    fix: "Run again; with checkpoints enabled and resume on, training continues from the last finished epoch.",
  },
  VLP_TRAIN_BAD_HOOK: {
    summary: "A trainer hook returned gradients that do not match the learner's parameters.",
    fix: "afterBackward may return a replacement map with exactly one gradient per parameter (same names and shapes), or nothing.",
  },
});
