/**
 * evaluate(checkpoint, dataset): rebuild the learner a checkpoint was written by for the dataset's class names,
 * load the learned parameters and evaluate. Works on any ClassificationDataset (a built-in split, another
 * dataset for cross-dataset transfer, an image folder a user points at). GRAM-wrapped runs are evaluated through
 * their inner method: GRAM changes how the prompts were trained, not what they are.
 */
import type { ClassificationDataset } from "../data/dataset.js";
import type { Backbone } from "../method/contract.js";
import type { MethodDefinition } from "../method/define.js";
import { Rng } from "../tensor/rng.js";
import { readCheckpoint, type Checkpoint } from "../train/checkpoint.js";
import { evalErrors } from "./errors.js";
import { evaluateLearner, type EvaluateOptions, type EvaluationResult } from "./evaluate.js";

export interface CheckpointEvaluationDeps extends EvaluateOptions {
  readonly backbone: Backbone;
  /** Where the checkpoint's method name is looked up (a MethodRegistry), unless `method` is given. */
  readonly methods?: { get(name: string): MethodDefinition };
  /** The method to rebuild, overriding the name recorded in the checkpoint. */
  readonly method?: MethodDefinition;
}

function methodOf(checkpoint: Checkpoint, deps: CheckpointEvaluationDeps): MethodDefinition {
  if (deps.method) return deps.method;
  const name = checkpoint.meta.method;
  if (!name) throw evalErrors.make("VLP_EVAL_CHECKPOINT_METHOD", "the checkpoint records no method name; pass `method`");
  if (!deps.methods) throw evalErrors.make("VLP_EVAL_CHECKPOINT_METHOD", `the checkpoint was written by "${name}"; pass \`methods\` (a registry) or \`method\``);
  return deps.methods.get(name);
}

/** Evaluate the parameters in a checkpoint (a path or one already read) on a dataset. */
export async function evaluate(
  checkpoint: string | Checkpoint,
  dataset: ClassificationDataset,
  deps: CheckpointEvaluationDeps,
): Promise<EvaluationResult> {
  const loaded = typeof checkpoint === "string" ? await readCheckpoint(checkpoint) : checkpoint;
  const method = methodOf(loaded, deps);
  const options = method.parseOptions(loaded.meta.options ?? {});
  const learner = method.create(options, { backbone: deps.backbone, classNames: dataset.classNames, rng: new Rng(0) });
  try {
    learner.load(loaded.learner);
    return await evaluateLearner(deps.backbone, learner, dataset, deps);
  } finally {
    learner.dispose();
  }
}
