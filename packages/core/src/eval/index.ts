// Public surface of src/eval: metrics, batched evaluation, evaluate(checkpoint, dataset), the zero-shot baseline,
// the protocol runners and the RunExecutor behind runManifest (docs/protocols.md).
export { accuracyReport, summarizeSeeds } from "./metrics.js";
export type { AccuracyReport, ClassAccuracy, SeedResult, SeedSummary } from "./metrics.js";
export { evaluateLearner, predict, createValidator } from "./evaluate.js";
export type { EvaluateOptions, EvaluationResult, Validator } from "./evaluate.js";
export { evaluate } from "./checkpoint-eval.js";
export type { CheckpointEvaluationDeps } from "./checkpoint-eval.js";
export { zeroShotMethod, ensembleFeatures, templateFeatures, templateTokens, ZERO_SHOT_TEMPLATE } from "./zero-shot.js";
export { protocolData, runProtocol } from "./protocols.js";
export type {
  DatasetProvider,
  DatasetSplit,
  ProtocolTask,
  ProtocolData,
  EvaluationSet,
  EvaluationRole,
  ProtocolRunOptions,
  ProtocolRunResult,
} from "./protocols.js";
export { createRunExecutor } from "./execute.js";
export type { RunExecutorDeps, ManagedRunExecutor } from "./execute.js";
export { evalErrors } from "./errors.js";
