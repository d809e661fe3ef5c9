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
