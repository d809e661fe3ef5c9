import * as tf from "@tensorflow/tfjs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { initBackend, Rng } from "@vlprompt/core";
import {
  assertClose,
  checkAgainstGolden,
  goldenInitialState,
  halfGradTolerance,
  loadGoldenCase,
  type GoldenCase,
} from "@vlprompt/core/testing";
import { vpt, vptOfficialName } from "./index.js";

/** Our parameter names -> the official module paths in multimodal-prompt-learning's CustomCLIP. */
const shallowNames = { visionPrompts: "image_encoder.VPT" };
const deepNames = { ...shallowNames, "visionDeepPrompts.1": "image_encoder.transformer.resblocks.1.VPT_shallow" };

const cases = [
  { name: "vpt_shallow", depth: 1, names: shallowNames, half: true },
  { name: "vpt_shallow.nohalf", depth: 1, names: shallowNames, half: false },
  { name: "vpt_deep", depth: 2, names: deepNames, half: true },
  { name: "vpt_deep.nohalf", depth: 2, names: deepNames, half: false },
] as const;

for (const backend of ["cpu", "wasm"] as const) {
  describe(`VPT matches multimodal-prompt-learning trainers/vpt.py (${backend})`, () => {
    beforeAll(() => initBackend({ backend, log: () => {} }));

    for (const { name, depth, names, half } of cases) {
      describe(name, () => {
        let c: GoldenCase;
        beforeAll(async () => (c = await loadGoldenCase(name)));
        afterAll(() => c.dispose());

        it("fixed text features, logits, loss, gradients and one SGD step", () => {
          const options = vpt.parseOptions({ visionContextLength: 2, depth, halfPrecisionPrompts: half });
          const learner = vpt.create(options, { backbone: c.backbone, classNames: c.classNames, rng: new Rng(0) });
          expect(Object.keys(learner.params).sort()).toEqual(Object.keys(names).sort());
          for (const [ours, official] of Object.entries(names)) expect(vptOfficialName(ours)).toBe(official);
          learner.load(goldenInitialState(c.golden, names));
          const side = learner.text();
          if (side.kind !== "features") throw new Error("VPT's text side must be a fixed classifier");
          assertClose("fixed text features", side.features.dataSync(), c.golden.get("output.fixed_text_features").data);
          side.features.dispose();
          checkAgainstGolden(c, learner, names, half ? { gradTolerance: halfGradTolerance, lossAfterStepRtol: 2e-4 } : {});
          learner.dispose();
        });
      });
    }
  });
}

describe("VPT learner", () => {
  let c: GoldenCase;
  beforeAll(async () => {
    await initBackend({ backend: "cpu", log: () => {} });
    c = await loadGoldenCase("vpt_deep");
  });
  afterAll(() => c.dispose());
  const create = (options: object, seed = 0) =>
    vpt.create(vpt.parseOptions(options), { backbone: c.backbone, classNames: c.classNames, rng: new Rng(seed) });

  it("defaults to the paper configuration and prompts every block when the depth exceeds the layer count", () => {
    expect(vpt.parseOptions()).toEqual({ visionContextLength: 8, depth: 12, initStd: 0.02, halfPrecisionPrompts: true });
    const learner = create({}); // the tiny backbone has 2 vision blocks
    expect(Object.keys(learner.params)).toEqual(["visionPrompts", "visionDeepPrompts.1"]);
    expect(learner.params.visionPrompts!.shape).toEqual([8, 64]);
    learner.dispose();
  });

  it("initialises prompts from N(0, initStd) with the seeded generator", () => {
    const a = create({ visionContextLength: 16, depth: 2, initStd: 0.5 }, 7);
    const b = create({ visionContextLength: 16, depth: 2, initStd: 0.5 }, 7);
    const values = a.params.visionPrompts!.dataSync() as Float32Array;
    const std = Math.sqrt(values.reduce((s, v) => s + v * v, 0) / values.length);
    expect(std).toBeGreaterThan(0.4);
    expect(std).toBeLessThan(0.6);
    expect(Array.from(b.params.visionPrompts!.dataSync())).toEqual(Array.from(values));
    expect(Array.from(a.params["visionDeepPrompts.1"]!.dataSync())).not.toEqual(Array.from(values));
    a.dispose();
    b.dispose();
  });

  it("state round-trips, rejects a mismatched shape, and frees every tensor", () => {
    const before = tf.memory().numTensors;
    const a = create({ visionContextLength: 2, depth: 2 }, 1);
    const b = create({ visionContextLength: 2, depth: 2 }, 2);
    b.load(a.state());
    expect(Array.from(b.params["visionDeepPrompts.1"]!.dataSync())).toEqual(Array.from(a.params["visionDeepPrompts.1"]!.dataSync()));
    const shallow = create({ visionContextLength: 3, depth: 1 });
    expect(() => shallow.load(a.state())).toThrow(/VLP_METHOD_STATE|shape/);
    [a, b, shallow].forEach((l) => l.dispose());
    expect(tf.memory().numTensors).toBe(before);
  });

  it("names parameters it does not have with a coded error", () => {
    expect(() => vptOfficialName("textContext")).toThrow(/VLP_METHOD_STATE|textContext/);
    expect(() => vptOfficialName("visionDeepPrompts.1.weight")).toThrow(/visionDeepPrompts/);
  });

  it("rejects bad options with a coded error", () => {
    expect(() => vpt.parseOptions({ depth: 0 })).toThrow(/VLP_METHOD_OPTIONS|depth/);
    expect(() => vpt.parseOptions({ tokens: 3 })).toThrow(/tokens/);
  });
});
