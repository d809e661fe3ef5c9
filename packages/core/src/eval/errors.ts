import { defineErrors } from "../errors.js";

/** Coded errors of evaluation and the protocol runners (src/eval). */
export const evalErrors = defineErrors({
  VLP_EVAL_EMPTY_DATASET: {
    summary: "An evaluation set has no images.",
    fix: "Check the dataset name and split; a base-to-new split needs at least two classes with test images.",
  },
  VLP_EVAL_CLASS_MISMATCH: {
    summary: "Two datasets that a protocol pairs do not have the same classes.",
    fix: "Base-to-new needs train and test splits with the same class list; cross-domain targets must have the source's classes in the same order (use cross-dataset for other class sets).",
  },
  VLP_EVAL_BAD_PROTOCOL: {
    summary: "A protocol is unknown or misses what it needs.",
    fix: "Use few-shot, base-to-new, cross-dataset or cross-domain; the cross-* protocols need at least one target.",
  },
  VLP_EVAL_GRAM_NOT_WIRED: {
    summary: "A run asks for GRAM but the executor was built without GRAM's wrapMethod hook.",
    fix: "Create the executor with createRunExecutor({ ..., wrapMethod }) (the CLI passes GRAM's withGram).",
  },
  VLP_EVAL_CHECKPOINT_METHOD: {
    summary: "A checkpoint does not say which method wrote it, or names a method the registry does not know.",
    fix: "Evaluate checkpoints written by vlprompt runs (they record the method and its options), or pass the method explicitly.",
  },
});
