/**
 * Resumable meta-training state beside a meta-checkpoint (`x.resume.safetensors` + `x.resume.json`): the
 * initialisation, the regulator, both outer optimizers' state, the step and the loss curve. Tasks are a
 * function of the seed and the step, so a resumed run continues exactly as an uninterrupted one. State
 * made with other settings (apart from `steps` and `checkpointEvery`, so a finished run can be extended)
 * is ignored.
 */
import { createHash } from "node:crypto";
import { existsSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import * as tf from "@tensorflow/tfjs";
import { encodeSafetensors, parseSafetensors } from "../tensor/safetensors.js";
import type { OptimizerSnapshot } from "../train/optim/optimizer.js";
import { backboneHash } from "./backbone-hash.js";
import type { MetaLossPoint } from "./checkpoint.js";
import type { MetaSession } from "./meta-session.js";

interface ResumeInfo {
  readonly fingerprint: string;
  readonly step: number;
  readonly losses: readonly MetaLossPoint[];
  readonly optimizers: Readonly<Record<string, { readonly step: number; readonly epoch: number }>>;
}

function basePath(path: string): string {
  return path.endsWith(".safetensors") ? path.slice(0, -".safetensors".length) : path;
}

export function resumePaths(path: string): { tensors: string; json: string } {
  const base = basePath(path);
  return { tensors: `${base}.resume.safetensors`, json: `${base}.resume.json` };
}

/** What must match for saved state to continue this session. */
export function sessionFingerprint(session: MetaSession): string {
  const { steps: _steps, checkpointEvery: _every, ...settings } = session.settings;
  const identity = {
    method: session.method.name,
    methodOptions: session.methodOptions,
    gram: session.gram,
    settings,
    backbone: backboneHash(session.backbone.model),
    corpus: { name: session.corpus.name, size: session.corpus.size },
  };
  return createHash("sha256").update(JSON.stringify(identity)).digest("hex").slice(0, 32);
}

function optimizers(session: MetaSession): Record<string, { state(): OptimizerSnapshot; load(s: OptimizerSnapshot): void }> {
  return session.regulatorOptimizer ? { init: session.initOptimizer, regulator: session.regulatorOptimizer } : { init: session.initOptimizer };
}

function write(path: string, data: Uint8Array | string): void {
  writeFileSync(`${path}.tmp-${process.pid}`, data);
  renameSync(`${path}.tmp-${process.pid}`, path);
}

/** Save the session's state (tensors first, then the JSON that makes it visible). */
export function saveResumeState(session: MetaSession, path: string): void {
  const tensors: Record<string, { shape: number[]; data: Float32Array }> = {};
  for (const [name, v] of Object.entries(session.init)) tensors[`init/${name}`] = { shape: [...v.shape], data: Float32Array.from(v.dataSync() as Float32Array) };
  for (const [name, t] of Object.entries(session.regulators.state())) tensors[`regulator/${name}`] = { shape: t.shape, data: t.data };
  const steps: Record<string, { step: number; epoch: number }> = {};
  for (const [group, optimizer] of Object.entries(optimizers(session))) {
    const snapshot = optimizer.state();
    steps[group] = { step: snapshot.step, epoch: snapshot.epoch };
    for (const [key, data] of Object.entries(snapshot.tensors)) tensors[`opt/${group}/${key}`] = { shape: [data.length], data };
  }
  const info: ResumeInfo = { fingerprint: sessionFingerprint(session), step: session.step, losses: session.losses, optimizers: steps };
  const paths = resumePaths(path);
  write(paths.tensors, encodeSafetensors(tensors));
  write(paths.json, `${JSON.stringify(info)}\n`);
}

function readInfo(path: string): ResumeInfo | null {
  try {
    return JSON.parse(readFileSync(resumePaths(path).json, "utf8")) as ResumeInfo;
  } catch {
    return null;
  }
}

function loadTensors(session: MetaSession, info: ResumeInfo, path: string): void {
  const bytes = readFileSync(resumePaths(path).tensors);
  const { tensors } = parseSafetensors(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength), resumePaths(path).tensors);
  const take = (prefix: string) =>
    Object.fromEntries([...tensors].filter(([n]) => n.startsWith(prefix)).map(([n, t]) => [n.slice(prefix.length), t]));
  for (const [name, t] of Object.entries(take("init/"))) {
    tf.tidy(() => session.init[name]!.assign(tf.tensor(t.data as Float32Array, t.shape, "float32")));
  }
  const regulator = take("regulator/");
  session.regulators.load(
    Object.fromEntries(Object.entries(regulator).map(([n, t]) => [n, { shape: t.shape, data: t.data as Float32Array }])),
    resumePaths(path).tensors,
  );
  for (const [group, optimizer] of Object.entries(optimizers(session))) {
    const saved = take(`opt/${group}/`);
    const data = Object.fromEntries(Object.entries(saved).map(([k, t]) => [k, Float32Array.from(t.data as Float32Array)]));
    optimizer.load({ ...info.optimizers[group]!, tensors: data });
  }
}

/**
 * Continue from saved state when it exists and was made with the same settings; returns the step resumed
 * from (0 when starting afresh).
 */
export function resumeSession(session: MetaSession, path: string, log: (message: string) => void = () => {}): number {
  if (!existsSync(resumePaths(path).json) || !existsSync(resumePaths(path).tensors)) return 0;
  const info = readInfo(path);
  if (!info || info.fingerprint !== sessionFingerprint(session)) {
    log(`meta-training: ignoring ${resumePaths(path).json}, it was made with other settings`);
    return 0;
  }
  loadTensors(session, info, path);
  session.step = info.step;
  session.losses.splice(0, session.losses.length, ...info.losses);
  log(`meta-training: resumed at step ${info.step}`);
  return info.step;
}
