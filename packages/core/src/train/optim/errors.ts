import { defineErrors } from "../../errors.js";

/** Coded errors of the optimizers (src/train/optim) and learning-rate schedules (src/train/schedule.ts). */
export const optimErrors = defineErrors({
  VLP_OPTIM_BAD_HYPERPARAMETER: {
    summary: "An optimizer or gradient transformation was given an invalid hyperparameter.",
    fix: "Use finite values in range: lr >= 0, momentum >= 0, weight decay >= 0, 0 <= beta < 1, eps >= 0, maxNorm > 0; Nesterov needs momentum > 0 and dampening 0.",
  },
  VLP_OPTIM_BAD_LEARNING_RATE: {
    summary: "A learning-rate schedule produced a value that is not a finite number >= 0.",
    fix: "Check the schedule's arguments (total steps or epochs, warm-up length) and the step or epoch it was asked for.",
  },
  VLP_OPTIM_BAD_PARAMETERS: {
    summary: "The parameters given to an optimizer are not a non-empty map of float32 tf.Variables.",
    fix: "Pass the learner's trainable variables by name, e.g. { ctx: ctxVariable }; cast them to float32.",
  },
  VLP_OPTIM_GRADIENT_MISMATCH: {
    summary: "The gradients do not match the optimizer's parameters (a name is missing or extra, or a shape or dtype differs).",
    fix: "Give exactly one float32 gradient per parameter, under the parameter's name and with its shape; a parameter the loss does not touch needs an explicit zero gradient or must be left out of the optimizer.",
  },
  VLP_OPTIM_BAD_LINK_OUTPUT: {
    summary: "A user gradient link (mapGradients) returned gradients that do not match its input.",
    fix: "Return one float32 tensor per input gradient, under the same name and with the same shape.",
  },
  VLP_OPTIM_BAD_SNAPSHOT: {
    summary: "An optimizer snapshot cannot be loaded into this optimizer.",
    fix: "Load a snapshot saved by an optimizer built with the same transformation chain and the same parameters.",
  },
  VLP_OPTIM_DISPOSED: {
    summary: "An optimizer was used after dispose().",
    fix: "Create a new optimizer; a disposed one has freed its state tensors.",
  },
  VLP_SCHEDULE_BAD_ARGUMENT: {
    summary: "A learning-rate schedule was given an invalid argument.",
    fix: "Use finite numbers: learning rates >= 0, lengths (steps, epochs) that are positive integers, warm-up shorter than the total.",
  },
});
