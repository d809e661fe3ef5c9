// Public surface of src/gram: GRAM as composition (docs/gram.md).
export { withGram, gramLearner, isGramMethod } from "./with-gram.js";
export type { GramOptions, GramMethodDefinition, GramLearner } from "./with-gram.js";
export { createRegulator, rowNorms } from "./regulators.js";
export type { Regulator, RegulatorKind, RegulatorSpec } from "./regulators.js";
export { RegulatorSet } from "./regulator-set.js";
export type { RegulateMode, RegulatorSetOptions } from "./regulator-set.js";
export { paramLayout, modalitiesOf } from "./layout.js";
export type { Modality, ParamLayout, ParamRole } from "./layout.js";
export {
  GramOptionsSchema,
  MetaTrainSettingsSchema,
  RegulatorSpecSchema,
  gramDefaults,
  metaTrainDefaults,
  parseGramOptions,
  parseMetaTrainSettings,
} from "./options.js";
export type { GramJsonOptions, MetaTrainSettings } from "./options.js";
export { saveMetaCheckpoint, readMetaCheckpoint, sidecarPath, checkCheckpointFits, metaCheckpointFormat } from "./checkpoint.js";
export type { MetaCheckpoint, MetaCheckpointInfo, MetaLossPoint } from "./checkpoint.js";
export { backboneHash } from "./backbone-hash.js";
export { gramErrors } from "./errors.js";
export { metaTrain } from "./meta-train.js";
export type { MetaTrainOptions, MetaTrainOutcome } from "./meta-train.js";
export { MetaSession } from "./meta-session.js";
export type { MetaSessionOptions } from "./meta-session.js";
export { resumePaths } from "./resume.js";
export { createMetaTrainExecutor, withGramSpec } from "./executor.js";
export type { MetaTrainDependencies } from "./executor.js";
export { corpusFeatures, metaCorpusFrom, captionTokens } from "./features.js";
export type { MetaCorpus, CorpusFeatures } from "./features.js";
export { buildHierarchy, checkTaskable, sampleTask, clusteringFeatures } from "./tasks.js";
export type { FineCluster, MetaTask, TaskHierarchy, TaskSide } from "./tasks.js";
export { kMeans } from "./kmeans.js";
export type { KMeansResult } from "./kmeans.js";
export { keywordNames, captionWords } from "./naming.js";
export { runTask, regulatorGradient } from "./inner-loop.js";
export type { InnerSettings, MetaModel, SideData, TaskOutcome } from "./inner-loop.js";
export { builtinMetaSplit, resolveMetaCorpus } from "./executor.js";
