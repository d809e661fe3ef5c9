import { defineErrors } from "../errors.js";

/** Coded errors of the experiment layer: manifests, planning, the results store, reports. */
export const experimentErrors = defineErrors({
  VLP_MANIFEST_NOT_FOUND: {
    summary: "The manifest file does not exist or cannot be read.",
    fix: "Check the path; manifests are JSON files such as examples/quickstart.json.",
  },
  VLP_MANIFEST_JSON: {
    summary: "The manifest is not valid JSON.",
    fix: "Fix the JSON syntax at the reported line and column (no comments, no trailing commas).",
  },
  VLP_MANIFEST_INVALID: {
    summary: "The manifest does not match the manifest schema; every problem is listed with its JSON pointer.",
    fix: "Fix each field named by its pointer; docs/manifest.md describes every field.",
  },
  VLP_MANIFEST_PLUGIN: {
    summary: "A module listed in the manifest's `plugins` could not be loaded or exports no method.",
    fix: "Check the path (relative to the manifest's folder) or package name; the module must export method definitions.",
  },
  VLP_RUN_LOCKED: {
    summary: "Another vlprompt process is writing to the same output directory.",
    fix: "Wait for it to finish, or use another output directory; delete the .vlprompt.lock file only if that process is gone.",
  },
  VLP_RUN_ENGINE_NOT_WIRED: {
    summary: "No training engine is wired into this build of the CLI, so runs cannot execute.",
    fix: "Use a build whose composition root (packages/cli/src/container.ts) registers an executor; `validate` and `report` work without one.",
  },
  VLP_RUN_META_NOT_WIRED: {
    summary: "The manifest wraps a method with GRAM but no meta-trainer is wired in.",
    fix: "Give the entry `gram.metaCheckpoint` (an existing meta-checkpoint) or use a build that wires the GRAM meta-trainer.",
  },
  VLP_RUN_BAD_RESULT: {
    summary: "The training engine returned a result that does not have the documented shape.",
    fix: "This is a bug in the executor: a RunResult needs accuracy in [0, 1], perClassAccuracy, curve, wallTimeMs and backend.",
  },
  VLP_RUN_FAILED: {
    summary: "One or more runs of the grid failed; the others were kept.",
    fix: "Read the error of each failed run, fix the cause and run the same manifest again: finished runs are skipped.",
  },
  VLP_RUN_BACKEND_ABORTED: {
    summary: "The tensor backend aborted (a WebAssembly trap, e.g. memory access out of bounds when a run outgrows the wasm heap); this process cannot run tensors any more, so the rest of the grid was left for the next invocation.",
    fix: "Lower the failing run's memory (a smaller `evalBatchSize` or `batchSize` in its recipe), then run the same manifest again: finished runs are skipped.",
  },
  VLP_RUN_INTERRUPTED: {
    summary: "The run was interrupted before the grid finished; finished runs are saved.",
    fix: "Run the same manifest again to continue where it stopped.",
  },
  VLP_RESULTS_NOT_FOUND: {
    summary: "The run directory has no results file.",
    fix: "Pass the output directory of a `vlprompt run` (it contains results.jsonl).",
  },
  VLP_RESULTS_CORRUPT: {
    summary: "Lines of the results file could not be read; they were kept but ignored.",
    fix: "Remove or repair the named lines of results.jsonl, or re-run with --force to redo the affected runs.",
  },
});

export type ExperimentErrorCode = keyof typeof experimentErrors.catalogue;
