/**
 * A fingerprint of a frozen backbone, recorded in meta-checkpoints: SHA-256 of the config and, for every
 * weight tensor in a fixed order, its shape and up to 4096 evenly spaced values. Cheap (no full hash of
 * hundreds of MB), and any retraining or different checkpoint changes it. Cached per model.
 */
import { createHash } from "node:crypto";
import type { ClipModel } from "../clip/model.js";
import { weightTensors } from "../clip/weights.js";

const cache = new WeakMap<ClipModel, string>();
const samplesPerTensor = 4096;

export function backboneHash(model: ClipModel): string {
  const known = cache.get(model);
  if (known) return known;
  const hash = createHash("sha256");
  hash.update(JSON.stringify(model.config));
  for (const tensor of weightTensors(model.weights)) {
    hash.update(`[${tensor.shape.join(",")}]`);
    const values = tensor.dataSync() as Float32Array;
    const stride = Math.max(1, Math.floor(values.length / samplesPerTensor));
    const sample = new Float32Array(Math.ceil(values.length / stride));
    for (let i = 0, j = 0; i < values.length; i += stride, j++) sample[j] = values[i]!;
    hash.update(new Uint8Array(sample.buffer));
  }
  const digest = `sha256:${hash.digest("hex").slice(0, 32)}`;
  cache.set(model, digest);
  return digest;
}
