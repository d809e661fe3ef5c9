import { defineErrors } from "../errors.js";

/** Coded errors of GRAM (src/gram): wrapping, regulators, meta-checkpoints, task construction, meta-training. */
export const gramErrors = defineErrors({
  VLP_GRAM_SHAPE: {
    summary: "A meta-checkpoint's parameter does not have the shape of the method's parameter.",
    fix: "Meta-train with the same method options as the downstream run (context length, depth, class-specific context ties the shape to the class count), or drop `metaCheckpoint`.",
  },
  VLP_GRAM_CHECKPOINT: {
    summary: "A meta-checkpoint is missing, unreadable, or was made for another method or parameter set.",
    fix: "Point `metaCheckpoint` at the .safetensors file written by `vlprompt meta-train` for this method (its .json sidecar must sit beside it).",
  },
  VLP_GRAM_BACKBONE: {
    summary: "A meta-checkpoint was meta-trained on another backbone than the one in use.",
    fix: "Meta-train again with this backbone, or pass `checkBackbone: false` if the difference is intended.",
  },
  VLP_GRAM_OPTIONS: {
    summary: "GRAM or meta-training options are invalid.",
    fix: "Fix the named option; docs/gram.md lists every option with its default.",
  },
  VLP_GRAM_PARAM: {
    summary: "A parameter cannot be regulated as asked (unknown name, or its last dimension is not the modality's width).",
    fix: "Name existing parameters in `paramRoles`, as \"text\", \"vision\" or \"other\"; prompt-token parameters must end in the encoder's width.",
  },
  VLP_GRAM_CORPUS: {
    summary: "The meta-training corpus cannot supply the requested tasks.",
    fix: "Use a larger corpus, fewer coarse/fine clusters, fewer ways or shots, or `queryDomain: \"same\"`.",
  },
});
