/**
 * Expands a resolved manifest into its grid of runs (entries x datasets x shots x seeds) and the
 * meta-training jobs the GRAM entries depend on. Every run and job gets a stable id: a hash of what changes
 * its result, so re-running a manifest finds the runs it already finished.
 */
import { join, relative } from "node:path";
import { stableId } from "./hash.js";
import { recipeForShots, type ResolvedEntry, type ResolvedManifest } from "./resolve.js";
import type { GramSpec, MetaJobSpec, RunSpec } from "./types.js";

export interface Plan {
  /** In execution order: dataset, then shots, then seed, then entry, so comparisons fill in together. */
  readonly runs: readonly RunSpec[];
  readonly metaJobs: readonly MetaJobSpec[];
}

/** Everything that makes two meta-checkpoints differ. Backend and run seeds do not. */
function metaJobKey(entry: ResolvedEntry, manifest: ResolvedManifest): unknown {
  return {
    v: 1,
    method: entry.method,
    options: entry.options,
    gramOptions: entry.gram?.options ?? {},
    backbone: manifest.backboneAsWritten,
    metaTraining: manifest.metaTraining,
  };
}

function planMetaJobs(manifest: ResolvedManifest): Map<string, MetaJobSpec> {
  const jobs = new Map<string, MetaJobSpec>();
  for (const entry of manifest.entries) {
    if (!entry.gram || entry.gram.metaCheckpoint) continue;
    const id = stableId(metaJobKey(entry, manifest));
    const known = jobs.get(id);
    if (known) {
      jobs.set(id, { ...known, usedBy: [...known.usedBy, entry.id] });
      continue;
    }
    jobs.set(id, {
      id,
      method: entry.method,
      options: entry.options,
      gramOptions: entry.gram.options,
      backbone: manifest.backbone,
      backend: manifest.backend,
      metaTraining: manifest.metaTraining,
      checkpointPath: join(manifest.outDir, "meta", id, "meta-checkpoint.safetensors"),
      usedBy: [entry.id],
    });
  }
  return jobs;
}

function gramSpec(entry: ResolvedEntry, manifest: ResolvedManifest, jobs: Map<string, MetaJobSpec>): GramSpec | null {
  if (!entry.gram) return null;
  const base = { init: entry.gram.init, regulate: entry.gram.regulate, options: entry.gram.options };
  if (entry.gram.metaCheckpoint) return { ...base, metaCheckpoint: entry.gram.metaCheckpoint, metaJobId: null };
  const jobId = stableId(metaJobKey(entry, manifest));
  return { ...base, metaCheckpoint: jobs.get(jobId)!.checkpointPath, metaJobId: jobId };
}

/** What makes two runs' results differ: never the experiment's name or its output folder. */
function runKey(spec: Omit<RunSpec, "id" | "runDir" | "experiment">, manifest: ResolvedManifest): unknown {
  return {
    v: 1,
    entryId: spec.entryId,
    method: spec.method,
    options: spec.options,
    gram: spec.gram && {
      init: spec.gram.init,
      regulate: spec.gram.regulate,
      options: spec.gram.options,
      // A checkpoint named by the manifest is hashed relative to it, so moving the checkout keeps ids.
      meta: spec.gram.metaJobId ?? relative(manifest.baseDir, spec.gram.metaCheckpoint),
    },
    dataset: spec.dataset,
    protocol: spec.protocol,
    shots: spec.shots,
    seed: spec.seed,
    recipe: spec.recipe,
    backbone: manifest.backboneAsWritten,
    backend: spec.backend,
  };
}

export function planManifest(manifest: ResolvedManifest): Plan {
  const jobs = planMetaJobs(manifest);
  const runs: RunSpec[] = [];
  const protocol = { kind: manifest.protocol.kind, targets: manifest.protocol.targets };
  for (const dataset of manifest.datasets) {
    for (const shots of manifest.protocol.shots) {
      for (const seed of manifest.seeds) {
        for (const entry of manifest.entries) {
          const cell = {
            entryId: entry.id,
            method: entry.method,
            options: entry.options,
            gram: gramSpec(entry, manifest, jobs),
            dataset,
            protocol,
            shots,
            seed,
            recipe: recipeForShots(entry.recipe, shots),
            backbone: manifest.backbone,
            backend: manifest.backend,
            saveCheckpoint: manifest.saveCheckpoints,
          };
          const id = stableId(runKey(cell, manifest));
          runs.push({ id, experiment: manifest.name, ...cell, runDir: join(manifest.outDir, "runs", id) });
        }
      }
    }
  }
  return { runs, metaJobs: [...jobs.values()] };
}
