import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { parseSafetensors, type NamedArray, type TensorMap } from "../tensor/safetensors.js";
import { compareArrays } from "../tensor/compare.js";

/** The golden fixtures copied from ../shared/goldens (produced by the official PyTorch code). */
export const goldensDir = fileURLToPath(new URL("../../fixtures/goldens/", import.meta.url));

export interface Golden {
  readonly json: Record<string, any>;
  readonly tensors: TensorMap;
  get(name: string): NamedArray;
}

export function loadGolden(name: string): Golden {
  const json = JSON.parse(readFileSync(`${goldensDir}${name}.json`, "utf8"));
  const bytes = readFileSync(`${goldensDir}${name}.safetensors`);
  const { tensors } = parseSafetensors(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength), name);
  return {
    json,
    tensors,
    get(tensorName: string) {
      const t = tensors.get(tensorName);
      if (!t) throw new Error(`golden ${name} has no tensor ${tensorName}`);
      return t;
    },
  };
}

export interface Tolerance {
  readonly atolOfMax: number;
  readonly rtol: number;
}

/** The README's suggested check for float32 re-implementations. */
export const exactTolerance: Tolerance = { atolOfMax: 1e-5, rtol: 1e-4 };
/** Gradients of the official fp16-cast cases when the cast is emulated. */
export const halfGradTolerance: Tolerance = { atolOfMax: 3e-4, rtol: 1e-4 };

/** Throws with the worst element when ours is not close to the reference. */
export function assertClose(label: string, ours: ArrayLike<number>, ref: ArrayLike<number>, tol: Tolerance = exactTolerance): void {
  const report = compareArrays(ours, ref, tol);
  if (!report.ok) {
    const i = report.worstIndex;
    throw new Error(
      `${label}: element ${i} is ${ours[i]} vs reference ${ref[i]} (max |diff| ${report.maxAbsDiff.toExponential(3)}, ` +
        `max |ref| ${report.refMaxAbs.toExponential(3)}, tolerance ${tol.atolOfMax}*max + ${tol.rtol}*|ref|)`,
    );
  }
}
