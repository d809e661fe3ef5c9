/**
 * Trainer hooks, rollup style: a plugin is an object with any of these functions; the trainer calls every
 * plugin's hook in the order given. Gradient regulation (GRAM) is an optimizer link, not a hook; hooks observe
 * training, and `afterBackward` may replace the gradients (ProGrad-style methods).
 */
import type * as tf from "@tensorflow/tfjs";
import type { NamedTensors } from "./optim/types.js";

/** Where a step stands: epoch is 0-based, step counts optimizer updates over the whole run (0-based). */
export interface StepContext {
  readonly epoch: number;
  readonly step: number;
  /** The step's position inside its epoch (0-based) and the epoch's step count. */
  readonly batch: number;
  readonly batches: number;
}

export interface EpochMetrics {
  /** 0-based epoch that just finished. */
  readonly epoch: number;
  /** Mean training loss over the epoch's steps. */
  readonly loss: number;
  /** Learning rate used during the epoch (when the optimizer reports one). */
  readonly lr?: number;
  /** Validation accuracy, when validation ran at the end of this epoch. */
  readonly accuracy?: number;
  readonly steps: number;
}

export interface EvaluationEvent {
  readonly epoch: number;
  readonly accuracy: number;
  readonly perClassAccuracy: Readonly<Record<string, number>>;
  /** True when this evaluation is the best so far (a best checkpoint was written if enabled). */
  readonly best: boolean;
}

export interface TrainerHooks {
  readonly name?: string;
  /** Before the forward and backward pass of a step (tfjs computes both in one call). */
  beforeBackward?(context: StepContext): void | Promise<void>;
  /**
   * After the backward pass, with the gradients by parameter name and the step's loss (already read back).
   * Return a map to replace the gradients (one per parameter, same shapes); the trainer disposes both sets.
   */
  afterBackward?(grads: NamedTensors, context: StepContext & { readonly loss: number }): NamedTensors | void;
  /** Before the optimizer applies the (possibly replaced) gradients. */
  beforeStep?(grads: NamedTensors, context: StepContext): void;
  /** After the update was applied to the learner's variables. */
  afterStep?(context: StepContext & { readonly loss: number }): void | Promise<void>;
  onEpochEnd?(metrics: EpochMetrics): void | Promise<void>;
  onEvaluate?(event: EvaluationEvent): void | Promise<void>;
}

/** Dispose the tensors of `replaced` that `next` does not reuse. */
export function disposeReplaced(replaced: NamedTensors, next: NamedTensors): void {
  const kept = new Set<tf.Tensor>(Object.values(next));
  for (const tensor of Object.values(replaced)) if (!kept.has(tensor)) tensor.dispose();
}
