/**
 * metaTrain: GRAM's meta-training from start (or from saved state) to a meta-checkpoint on disk.
 */
import { gramErrors } from "./errors.js";
import { saveMetaCheckpoint, type MetaCheckpoint, type MetaLossPoint } from "./checkpoint.js";
import { MetaSession, type MetaSessionOptions } from "./meta-session.js";
import { resumeSession, saveResumeState } from "./resume.js";

export interface MetaTrainOptions extends MetaSessionOptions {
  /** Where the meta-checkpoint goes (`.safetensors`; the `.json` sidecar and the resume state sit beside it). */
  readonly checkpointPath?: string;
  /** Continue from the resume state beside `checkpointPath` when it matches these settings (default true). */
  readonly resume?: boolean;
  /** Checked between outer steps: the state is saved, then the abort reason is thrown. */
  readonly signal?: AbortSignal;
  readonly onStep?: (point: MetaLossPoint, steps: number) => void;
  readonly log?: (message: string) => void;
}

export interface MetaTrainOutcome {
  readonly checkpoint: MetaCheckpoint;
  /** The file written, or null without `checkpointPath`. */
  readonly path: string | null;
  /** The step training resumed from (0: a fresh start). */
  readonly resumedFrom: number;
  readonly wallTimeMs: number;
}

function abortError(signal: AbortSignal): Error {
  return signal.reason instanceof Error ? signal.reason : new Error(`meta-training interrupted${signal.reason ? `: ${String(signal.reason)}` : ""}`);
}

/** Meta-learn the initialisation and the regulator of `method` on `corpus` (see docs/gram.md). */
export async function metaTrain(options: MetaTrainOptions): Promise<MetaTrainOutcome> {
  const started = Date.now();
  const path = options.checkpointPath ?? null;
  if (path !== null && !path.endsWith(".safetensors")) {
    throw gramErrors.make("VLP_GRAM_OPTIONS", `checkpointPath must end in .safetensors, got ${path}`);
  }
  const session = await MetaSession.open(options);
  try {
    const resumedFrom = path && options.resume !== false ? resumeSession(session, path, options.log) : 0;
    const { steps, checkpointEvery } = session.settings;
    while (session.step < steps) {
      if (options.signal?.aborted) {
        if (path) saveResumeState(session, path);
        throw abortError(options.signal);
      }
      const point = await session.outerStep();
      options.onStep?.(point, steps);
      if (path && session.step % checkpointEvery === 0 && session.step < steps) saveResumeState(session, path);
    }
    const wallTimeMs = Date.now() - started;
    const checkpoint = session.checkpoint(wallTimeMs);
    if (path) {
      saveMetaCheckpoint(path, checkpoint);
      saveResumeState(session, path);
    }
    return { checkpoint, path, resumedFrom, wallTimeMs };
  } finally {
    session.dispose();
  }
}
