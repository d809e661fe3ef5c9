import * as tf from "@tensorflow/tfjs";
import { beforeAll, describe, expect, it } from "vitest";
import { initBackend } from "../backend/select.js";
import type { ClipConfig } from "../clip/config.js";
import { isVlpromptError } from "../errors.js";
import { Rng } from "../tensor/rng.js";
import { paramLayout } from "./layout.js";
import { parseGramOptions, parseMetaTrainSettings } from "./options.js";
import { RegulatorSet } from "./regulator-set.js";
import { createRegulator, rowNorms } from "./regulators.js";

const config = { textWidth: 6, visionWidth: 8 } as ClipConfig;

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (error) {
    return isVlpromptError(error) ? error.code : String(error);
  }
  return undefined;
}

describe("gradient regulators", () => {
  beforeAll(async () => {
    await initBackend({ backend: "cpu", log: () => {} });
  });

  const rows = () => tf.tensor2d(new Rng(2).normalArray(4 * 6, 1e-3), [4, 6]);

  it.each(["gated", "diagonal", "identity"] as const)("%s is exactly the identity at initialisation", (kind) => {
    const regulator = createRegulator({ kind }, 6, new Rng(0));
    const g = rows();
    expect(Array.from(tf.tidy(() => regulator.apply(g).dataSync()))).toEqual(Array.from(g.dataSync()));
    regulator.dispose();
    g.dispose();
  });

  it("gated: psi(g) = 2 sigmoid(x W + b) * g, with x = g / |g| per row (inputNorm row) or g (none)", () => {
    const g = rows();
    for (const inputNorm of ["row", "none"] as const) {
      const regulator = createRegulator({ kind: "gated", inputNorm }, 6, new Rng(0));
      const W = tf.tensor2d(new Rng(3).normalArray(36), [6, 6]);
      const b = tf.tensor1d(new Rng(4).normalArray(6));
      regulator.params.W!.assign(W);
      regulator.params.b!.assign(b);
      const expected = tf.tidy(() => {
        const x = inputNorm === "row" ? tf.div(g, tf.norm(g, "euclidean", 1, true)) : g;
        return tf.mul(tf.mul(tf.sigmoid(tf.add(tf.matMul(x, W), b)), 2), g).dataSync();
      });
      const got = tf.tidy(() => regulator.apply(g).dataSync());
      got.forEach((v, i) => expect(v).toBeCloseTo(expected[i]!, 9));
      tf.dispose([W, b]);
      regulator.dispose();
    }
    g.dispose();
  });

  it("supmer: the MLP output keeps the raw norm (per row or globally) and blends with the raw gradient", () => {
    const g = rows();
    const mlpOnly = createRegulator({ kind: "supmer", rank: 3, blendInit: -40 }, 6, new Rng(1));
    const perRow = tf.tidy(() => Array.from(rowNorms(mlpOnly.apply(g)).dataSync()));
    tf.tidy(() => Array.from(rowNorms(g).dataSync())).forEach((n, i) => expect(perRow[i]).toBeCloseTo(n, 6));
    const global = createRegulator({ kind: "supmer", rank: 3, normPreserve: "global", blendInit: -40 }, 6, new Rng(1));
    expect(tf.tidy(() => tf.norm(global.apply(g)).dataSync()[0])).toBeCloseTo(tf.tidy(() => tf.norm(g).dataSync()[0]!), 6);
    const rawOnly = createRegulator({ kind: "supmer", rank: 3, blendInit: 40 }, 6, new Rng(1));
    tf.tidy(() => rawOnly.apply(g).dataSync()).forEach((v, i) => expect(v).toBeCloseTo(g.dataSync()[i]!, 9));
    expect(Object.keys(mlpOnly.params).sort()).toEqual(["bias0", "bias1", "blend", "down0", "down1", "up0", "up1"]);
    expect(mlpOnly.params.down0!.shape).toEqual([6, 3]);
    [mlpOnly, global, rawOnly].forEach((r) => r.dispose());
    g.dispose();
  });

  it("guesses which parameters are prompt tokens of which encoder; paramRoles overrides", () => {
    const v = (shape: number[]) => tf.variable(tf.zeros(shape));
    const params = { textContext: v([4, 6]), visionDeepPrompts: v([2, 8]), metaNetWeight: v([3, 6]), couplings_0_bias: v([8]), scale: v([]) };
    const roles = Object.fromEntries(paramLayout(params, config).map((p) => [p.name, p.role]));
    expect(roles).toEqual({ textContext: "text", visionDeepPrompts: "vision", metaNetWeight: "other", couplings_0_bias: "other", scale: "other" });
    const same = { ctx: v([2, 8]), imagePrompt: v([2, 8]) };
    const equalWidths = { textWidth: 8, visionWidth: 8 } as ClipConfig;
    expect(paramLayout(same, equalWidths).map((p) => p.role)).toEqual(["text", "vision"]);
    expect(paramLayout(params, config, { metaNetWeight: "text" }).find((p) => p.name === "metaNetWeight")!.role).toBe("text");
    expect(codeOf(() => paramLayout(params, config, { textContext: "vision" }))).toBe("VLP_GRAM_PARAM");
    tf.dispose([...Object.values(params), ...Object.values(same)]);
  });

  it("a regulator set regulates prompt rows per modality, gates other parameters in 'all' mode, and loads only matching state", () => {
    const params = { textContext: tf.variable(tf.zeros([2, 6])), metaNetWeight: tf.variable(tf.zeros([3, 6])) };
    const layout = paramLayout(params, config);
    const set = new RegulatorSet(layout, { specs: { text: { kind: "gated" }, vision: { kind: "gated" } }, mode: "all", rng: new Rng(0) });
    expect(Object.keys(set.params).sort()).toEqual(["gate/metaNetWeight", "text/W", "text/b"]);
    set.gates.metaNetWeight!.assign(tf.scalar(-100));
    const grads = { textContext: tf.ones([2, 6]), metaNetWeight: tf.ones([3, 6]), unknown: tf.ones([1]) };
    const out = tf.tidy(() => Object.fromEntries(Object.entries(set.apply(grads)).map(([n, t]) => [n, Array.from(t.dataSync())])));
    expect(out.textContext).toEqual(Array(12).fill(1));
    expect(out.metaNetWeight!.every((x) => Math.abs(x) < 1e-30)).toBe(true);
    expect(out.unknown).toEqual([1]);
    const state = set.state();
    expect(codeOf(() => set.load({ ...state, "text/W": { shape: [5, 5], data: new Float32Array(25) } }, "x"))).toBe("VLP_GRAM_SHAPE");
    const { "text/b": _dropped, ...withoutB } = state;
    expect(codeOf(() => set.load(withoutB, "x"))).toBe("VLP_GRAM_CHECKPOINT");
    const { "gate/metaNetWeight": _gate, ...withoutGate } = state;
    set.load(withoutGate, "x");
    set.dispose();
    tf.dispose([...Object.values(params), ...Object.values(grads)]);
  });

  it("options: defaults, merging per modality, a manifest's metaTraining with nested options, coded errors", () => {
    expect(parseGramOptions({ regulators: { vision: { kind: "diagonal" } } }).regulators).toEqual({ text: { kind: "gated" }, vision: { kind: "diagonal" } });
    const settings = parseMetaTrainSettings({ corpus: "builtin", steps: 3, options: { coarseClusters: 2 } });
    expect([settings.steps, settings.coarseClusters, settings.ways]).toEqual([3, 2, 5]);
    expect(codeOf(() => parseMetaTrainSettings({ innerSteps: 0 }))).toBe("VLP_GRAM_OPTIONS");
    expect(codeOf(() => parseMetaTrainSettings({ options: { bogus: 1 } }))).toBe("VLP_GRAM_OPTIONS");
    expect(codeOf(() => parseGramOptions({ regulators: { text: { kind: "supmer", rank: 0 } } }))).toBe("VLP_GRAM_OPTIONS");
    expect(codeOf(() => parseGramOptions("gated"))).toBe("VLP_GRAM_OPTIONS");
  });
});
