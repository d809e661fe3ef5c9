import * as tf from "@tensorflow/tfjs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { embedTokens, initBackend, roundToHalf, Rng } from "@vlprompt/core";
import {
  assertClose,
  checkAgainstGolden,
  goldenInitialState,
  halfGradTolerance,
  loadGoldenCase,
  type GoldenCase,
} from "@vlprompt/core/testing";
import { maple, mapleOfficialName } from "./index.js";

/** Our parameter names -> the official names in multimodal-prompt-learning's MaPLe CustomCLIP (depth 2). */
const names = {
  textContext: "prompt_learner.ctx",
  "couplingProjection.weight": "prompt_learner.proj.weight",
  "couplingProjection.bias": "prompt_learner.proj.bias",
  "textDeepPrompts.1": "prompt_learner.compound_prompts_text.0",
  "deepCouplingProjections.1.weight": "prompt_learner.compound_prompt_projections.0.weight",
  "deepCouplingProjections.1.bias": "prompt_learner.compound_prompt_projections.0.bias",
};
const goldenOptions = { contextLength: 2, contextInit: null, depth: 2 };

for (const backend of ["cpu", "wasm"] as const) {
  describe(`MaPLe matches multimodal-prompt-learning trainers/maple.py (${backend})`, () => {
    beforeAll(() => initBackend({ backend, log: () => {} }));

    for (const [caseName, half] of [["maple", true], ["maple.nohalf", false]] as const) {
      describe(caseName, () => {
        let c: GoldenCase;
        beforeAll(async () => (c = await loadGoldenCase(caseName)));
        afterAll(() => c.dispose());

        it("prompts, coupled vision prompts, logits, loss, gradients and one SGD step", () => {
          const options = maple.parseOptions({ ...goldenOptions, halfPrecisionPrompts: half });
          const learner = maple.create(options, { backbone: c.backbone, classNames: c.classNames, rng: new Rng(0) });
          expect(Object.keys(learner.params).sort()).toEqual(Object.keys(names).sort());
          for (const [ours, official] of Object.entries(names)) expect(mapleOfficialName(ours)).toBe(official);
          learner.load(goldenInitialState(c.golden, names));
          tf.tidy(() => {
            const side = learner.text();
            if (side.kind !== "inputs") throw new Error("MaPLe learns its text prompts");
            assertClose("prompts", side.input.embeddings.dataSync(), c.golden.get("output.prompt_learner.prompts").data);
            const vision = learner.vision!();
            assertClose("shared_ctx", vision.tokens!.dataSync(), c.golden.get("output.prompt_learner.shared_ctx").data);
            const deep = vision.deep![1]!.dataSync();
            assertClose("visual_deep_prompts.0", deep, c.golden.get("output.prompt_learner.visual_deep_prompts.0").data);
          });
          checkAgainstGolden(c, learner, names, half ? { gradTolerance: halfGradTolerance, lossAfterStepRtol: 2e-4 } : {});
          learner.dispose();
        });
      });
    }
  });
}

describe("MaPLe learner", () => {
  let c: GoldenCase;
  beforeAll(async () => {
    await initBackend({ backend: "cpu", log: () => {} });
    c = await loadGoldenCase("maple");
  });
  afterAll(() => c.dispose());
  const create = (options: object, seed = 0) =>
    maple.create(maple.parseOptions(options), { backbone: c.backbone, classNames: c.classNames, rng: new Rng(seed) });
  const values = (learner: { params: Record<string, tf.Variable> }, name: string) => Array.from(learner.params[name]!.dataSync());

  it("defaults to the base-to-new configuration; a depth past the layer count prompts every block", () => {
    expect(maple.parseOptions()).toEqual({ contextLength: 2, contextInit: "a photo of a", depth: 9, initStd: 0.02, halfPrecisionPrompts: true });
    const learner = create({}); // the tiny backbone has 2 blocks per encoder
    expect(Object.keys(learner.params).sort()).toEqual(Object.keys(names).sort());
    learner.dispose();
  });

  it("initialises the context from the first words of the template and keeps the rest fixed", () => {
    const learner = create({ contextInit: "a photo of a" });
    const words = tf.tidy(() => Array.from(embedTokens(c.backbone.model.weights, [[320, 502]]).dataSync()));
    expect(values(learner, "textContext")).toEqual(words);
    const side = learner.text();
    if (side.kind !== "inputs") throw new Error("MaPLe learns its text prompts");
    // "[SOT] a photo of a t441 . [EOT]": the EOT of the first class sits at 7.
    expect(side.input.eotIndices[0]).toBe(7);
    tf.dispose([side.input.embeddings, ...(side.input.deepPrompts ?? []).filter((t): t is tf.Tensor => !!t)]);
    learner.dispose();
  });

  it("starts every deep coupling projection identical, and rounds the layer-0 projection to fp16 only in the official math", () => {
    // Only the sizes are read at construction: pretend the encoders have 4 blocks to get 3 deep projections.
    const { model } = c.backbone;
    const deeper = { ...c.backbone, model: { weights: model.weights, config: { ...model.config, textLayers: 4, visionLayers: 4 } } };
    const learner = maple.create(maple.parseOptions({ depth: 9, contextLength: 3, contextInit: null }), {
      backbone: deeper as unknown as typeof c.backbone,
      classNames: c.classNames,
      rng: new Rng(3),
    });
    for (const block of [2, 3]) {
      for (const part of ["weight", "bias"]) {
        expect(values(learner, `deepCouplingProjections.${block}.${part}`)).toEqual(values(learner, `deepCouplingProjections.1.${part}`));
      }
    }
    expect(values(learner, "textDeepPrompts.2")).not.toEqual(values(learner, "textDeepPrompts.1"));
    expect(learner.params["deepCouplingProjections.4.weight"]).toBeUndefined();
    expect(mapleOfficialName("deepCouplingProjections.3.bias")).toBe("prompt_learner.compound_prompt_projections.2.bias");
    expect(mapleOfficialName("textDeepPrompts.3")).toBe("prompt_learner.compound_prompts_text.2");
    expect(() => mapleOfficialName("visionPrompts")).toThrow(/visionPrompts/);
    const weight = values(learner, "couplingProjection.weight");
    expect(Array.from(roundToHalf(Float32Array.from(weight)))).toEqual(weight);
    const plain = create({ depth: 2, contextLength: 3, contextInit: null, halfPrecisionPrompts: false });
    expect(Array.from(roundToHalf(Float32Array.from(values(plain, "couplingProjection.weight"))))).not.toEqual(
      values(plain, "couplingProjection.weight"),
    );
    learner.dispose();
    plain.dispose();
  });

  it("state round-trips and dispose() frees every tensor (training-step leaks: see the conformance suite)", () => {
    const before = tf.memory().numTensors;
    const a = create({ depth: 2 }, 1);
    const b = create({ depth: 2 }, 2);
    b.load(a.state());
    expect(values(b, "deepCouplingProjections.1.weight")).toEqual(values(a, "deepCouplingProjections.1.weight"));
    a.dispose();
    b.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });
});
