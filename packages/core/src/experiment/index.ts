// Public surface of src/experiment: manifests, planning, running, the results store and reports.
export { experimentErrors, type ExperimentErrorCode } from "./errors.js";
export {
  ManifestSchema,
  manifestJsonSchema,
  manifestBackends,
  protocolKinds,
  reportFormats,
  defaultRecipe,
  defaultShots,
  defaultMetaTraining,
  MANIFEST_SCHEMA_ID,
  type Manifest,
  type MethodEntry,
  type Recipe,
  type Protocol,
  type ProtocolKind,
  type ManifestBackbone,
  type MetaTrainingConfig,
  type ReportFormat,
} from "./schema.js";
export {
  catalogFromMethods,
  mergeCatalogs,
  emptyCatalog,
  isMethodDescriptor,
  type MethodCatalog,
  type MethodDescriptor,
  type NameCatalog,
  type CatalogOptions,
} from "./catalog.js";
export { formatIssues, type ManifestIssue } from "./issues.js";
export {
  manifestIssues,
  assertValidManifest,
  ManifestValidationError,
  defaultEntryId,
  type ValidationContext,
} from "./validate.js";
export { loadManifest, readManifestJson, type LoadManifestOptions, type LoadedManifest } from "./load.js";
export { loadPlugins, type LoadedPlugins } from "./plugins.js";
export { resolveManifest, type ResolvedManifest, type ResolvedEntry, type ResolveOptions } from "./resolve.js";
export { planManifest, type Plan } from "./plan.js";
export { canonicalJson, stableId } from "./hash.js";
export { ResultsStore, readResults, writeFileAtomic, RESULTS_FILE, type MetaRecord } from "./store.js";
export {
  runManifest,
  pendingWork,
  metaTrainManifest,
  checkRunResult,
  EXPERIMENT_FILE,
  type RunEvent,
  type RunManifestOptions,
  type RunSummary,
  type PendingWork,
  type MetaTrainSummary,
} from "./runner.js";
export { manifestFieldsMarkdown, manifestSchemaText, FIELDS_START, FIELDS_END } from "./schema-docs.js";
export { aggregate, stat, harmonicMean, type Stat, type AggregateRow, type AverageRow, type Aggregation } from "./aggregate.js";
export { buildReportModel, percent, meanStd, STD_NOTE, type ReportModel, type GramComparison } from "./report-model.js";
export { resultTables, failureTable, timingTable, type ReportTable } from "./report-tables.js";
export { writeReports, loadRunDirectory, reportFiles, type RunDirectory } from "./reports.js";
export type {
  RunSpec,
  RunResult,
  RunRecord,
  DoneRecord,
  MetaJobSpec,
  MetaTrainResult,
  GramSpec,
  BackboneSpec,
  ProtocolSpec,
  CurvePoint,
  RunProgress,
  ExecutionContext,
  RunExecutor,
  MetaTrainExecutor,
} from "./types.js";
