import { execFileSync } from "node:child_process";
import { createRequire } from "node:module";
import { describe, expect, it } from "vitest";
import type { NativeRows } from "./native-rows.js";

/**
 * The addon's attention kernels against a plain JavaScript attention, through the BLAS (when this machine has one)
 * and through the addon's own loop (VLPROMPT_BLAS_LIBRARY=none, in a child process: the BLAS is chosen once per
 * process). The block and layer suites check the kernels inside the model; this checks the products themselves.
 */
const [batch, tokens, heads, headDim] = [2, 5, 3, 4];
const width = heads * headDim;

function seeded(count: number, seed: number): Float32Array {
  let state = seed;
  return Float32Array.from({ length: count }, () => ((state = (state * 1103515245 + 12345) % 2147483648) / 2147483648) * 2 - 1);
}

/** What the kernels compute, in float64: merged [b*t, w], probs [b, h, t, t] and d(qkv) [b*t, 3w]. */
function reference(qkv: Float32Array, mask: Float32Array, dMerged: Float32Array) {
  const merged = new Float64Array(batch * tokens * width);
  const probs = new Float64Array(batch * heads * tokens * tokens);
  const dQkv = new Float64Array(batch * tokens * 3 * width);
  const at = (b: number, t: number, part: number, h: number, i: number) => (b * tokens + t) * 3 * width + part * width + h * headDim + i;
  for (let b = 0; b < batch; b++) for (let h = 0; h < heads; h++) {
    const p = (q: number, k: number) => ((b * heads + h) * tokens + q) * tokens + k;
    for (let q = 0; q < tokens; q++) {
      const scores = Array.from({ length: tokens }, (_, k) => {
        let dot = 0;
        for (let i = 0; i < headDim; i++) dot += qkv[at(b, q, 0, h, i)]! * qkv[at(b, k, 1, h, i)]!;
        return dot / Math.sqrt(headDim) + mask[q * tokens + k]!;
      });
      const top = Math.max(...scores);
      const sum = scores.reduce((s, x) => s + Math.exp(x - top), 0);
      scores.forEach((x, k) => (probs[p(q, k)] = Math.exp(x - top) / sum));
      for (let i = 0; i < headDim; i++) {
        for (let k = 0; k < tokens; k++) merged[(b * tokens + q) * width + h * headDim + i] += probs[p(q, k)]! * qkv[at(b, k, 2, h, i)]!;
      }
      const dOut = (i: number) => dMerged[(b * tokens + q) * width + h * headDim + i]!;
      const dProbs = Array.from({ length: tokens }, (_, k) => Array.from({ length: headDim }, (_, i) => dOut(i) * qkv[at(b, k, 2, h, i)]!).reduce((s, x) => s + x, 0));
      const dot = dProbs.reduce((s, x, k) => s + x * probs[p(q, k)]!, 0);
      for (let k = 0; k < tokens; k++) {
        const dScore = probs[p(q, k)]! * (dProbs[k]! - dot) / Math.sqrt(headDim);
        for (let i = 0; i < headDim; i++) {
          dQkv[at(b, q, 0, h, i)] += dScore * qkv[at(b, k, 1, h, i)]!;
          dQkv[at(b, k, 1, h, i)] += dScore * qkv[at(b, q, 0, h, i)]!;
          dQkv[at(b, k, 2, h, i)] += probs[p(q, k)]! * dOut(i);
        }
      }
    }
  }
  return { merged, probs, dQkv };
}

const qkv = seeded(batch * tokens * 3 * width, 7);
const dMerged = seeded(batch * tokens * width, 11);
const mask = Float32Array.from({ length: tokens * tokens }, (_, i) => (i % tokens > Math.floor(i / tokens) ? -Infinity : 0));

/** Run the kernels in this process's addon, as plain arrays. */
function run(addon: NativeRows) {
  const merged = new Float32Array(batch * tokens * width);
  const probs = new Float32Array(batch * heads * tokens * tokens);
  const dQkv = new Float32Array(qkv.length);
  addon.attention(batch, tokens, heads, headDim, qkv, mask, merged, probs);
  addon.attentionGrad(batch, tokens, heads, headDim, dMerged, qkv, probs, dQkv);
  return { merged: Array.from(merged), probs: Array.from(probs), dQkv: Array.from(dQkv) };
}

function loadAddon(): (NativeRows & { library(): string | null }) | null {
  try {
    const { loadNativeAddon } = createRequire(import.meta.url)("@vlprompt/native-blas") as { loadNativeAddon(): never };
    return loadNativeAddon();
  } catch {
    return null;
  }
}

function expectClose(actual: number[], expected: Float64Array) {
  expect(actual.length).toBe(expected.length);
  const worst = actual.reduce((w, x, i) => Math.max(w, Math.abs(x - expected[i]!)), 0);
  expect(worst).toBeLessThan(1e-6);
}

describe("the addon's attention kernels", () => {
  const addon = loadAddon();
  const expected = reference(qkv, mask, dMerged);

  it.runIf(addon)(`match a plain attention through ${addon?.library() ?? "the addon's own loop (no BLAS here)"}`, () => {
    const ours = run(addon!);
    expectClose(ours.merged, expected.merged);
    expectClose(ours.probs, expected.probs);
    expectClose(ours.dQkv, expected.dQkv);
  });

  it.runIf(addon)("match it through the addon's own loop when no BLAS is loaded (VLPROMPT_BLAS_LIBRARY=none)", () => {
    const script = `
      import { createRequire } from "node:module";
      const addon = createRequire(process.cwd() + "/")("@vlprompt/native-blas").loadNativeAddon();
      const [batch, tokens, heads, headDim] = ${JSON.stringify([batch, tokens, heads, headDim])};
      const qkv = Float32Array.from(${JSON.stringify(Array.from(qkv))});
      const dMerged = Float32Array.from(${JSON.stringify(Array.from(dMerged))});
      const mask = Float32Array.from(${JSON.stringify(Array.from(mask, (x) => (x === 0 ? 0 : -1e30)))}, (x) => (x < -1e29 ? -Infinity : x));
      const merged = new Float32Array(dMerged.length), probs = new Float32Array(batch * heads * tokens * tokens), dQkv = new Float32Array(qkv.length);
      addon.attention(batch, tokens, heads, headDim, qkv, mask, merged, probs);
      addon.attentionGrad(batch, tokens, heads, headDim, dMerged, qkv, probs, dQkv);
      console.log(JSON.stringify({ library: addon.library(), merged: Array.from(merged), probs: Array.from(probs), dQkv: Array.from(dQkv) }));`;
    const output = execFileSync(process.execPath, ["--input-type=module", "-e", script], {
      env: { ...process.env, VLPROMPT_BLAS_LIBRARY: "none" },
      encoding: "utf8",
    });
    const plain = JSON.parse(output) as { library: string | null; merged: number[]; probs: number[]; dQkv: number[] };
    expect(plain.library).toBeNull();
    expectClose(plain.merged, expected.merged);
    expectClose(plain.probs, expected.probs);
    expectClose(plain.dQkv, expected.dQkv);
  });

  it.runIf(addon)("QuickGELU's exp holds across the float range: saturated ends, exact zero, NaN kept", () => {
    const x = Float32Array.from([-200, -60, -51.2, -20, -1.5, -1e-3, 0, 1e-3, 0.7, 3, 20, 52, 60, 200, NaN]);
    const [out, scaled, gate] = [0, 1, 2].map(() => new Float32Array(x.length));
    addon!.quickGelu(x.length, x, out!, scaled!, gate!);
    x.forEach((value, i) => {
      if (Number.isNaN(value)) return expect(out![i]).toBeNaN();
      const sigmoid = 1 / (1 + Math.exp(-Math.fround(value * Math.fround(1.702)))); // of the float32 product, as the kernel
      expect(Math.abs(gate![i]! - sigmoid)).toBeLessThanOrEqual(2e-7 * sigmoid + 1e-37); // float32 flushes below 1e-37 to 0
      expect(Math.abs(out![i]! - value * sigmoid)).toBeLessThanOrEqual(2e-7 * Math.abs(value * sigmoid) + 1e-35);
    });
    expect(gate![0]).toBe(0); // exp(340) overflows: the gate is exactly 0, as in float32 libm
    expect(gate![x.length - 2]).toBe(1);
  });
});
